// Draws every chart whose data the page embedded with json_script: <div id="X"> + <script id="X-data">.
// The data say what to draw ("type"):
//   none     horizontal bars: {labels, values, max?, suffix?}
//   columns  stacked columns per label: {labels, series: [{name, values}]}
//   line     lines over time: {series: [{name, points: [[iso date, value]]}], min?, max?, interval?}
//   radar    one polygon per series: {indicators: [{name, max}], series: [{name, values}]}
(function () {
  var PALETTE = ["#0b6e69", "#d9822b", "#3b6fb6", "#8e5ea2", "#5c946e", "#c4454d"];
  var GRID = { left: 8, right: 16, top: 16, bottom: 8, containLabel: true };

  function legend(data) {
    return data.series.length > 1 ? { bottom: 0, type: "scroll" } : undefined;
  }

  function bars(data) {
    var suffix = data.suffix || "";
    return {
      color: PALETTE,
      grid: Object.assign({}, GRID, { right: suffix ? 48 : 16 }),
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", minInterval: 1, max: data.max },
      yAxis: { type: "category", data: data.labels, inverse: true },
      series: [{
        type: "bar", data: data.values,
        label: { show: true, position: "right", formatter: function (p) { return p.value + suffix; } },
      }],
    };
  }

  // Columns and lines: one category or time axis, one series per entry, a legend when there are several.
  function axes(data, xAxis, yAxis, series) {
    return {
      color: PALETTE,
      grid: Object.assign({}, GRID, { bottom: data.series.length > 1 ? 32 : 8 }),
      tooltip: { trigger: "axis" },
      legend: legend(data),
      xAxis: xAxis,
      yAxis: yAxis,
      series: data.series.map(series),
    };
  }

  function columns(data) {
    return axes(data, { type: "category", data: data.labels }, { type: "value", minInterval: 1 }, function (s) {
      return { type: "bar", name: s.name, stack: "total", data: s.values };
    });
  }

  function lines(data) {
    var xAxis = { type: "time", axisLabel: { hideOverlap: true } };
    return axes(data, xAxis, { type: "value", min: data.min, max: data.max, interval: data.interval }, function (s) {
      return { type: "line", name: s.name, data: s.points, symbolSize: 6 };
    });
  }

  function radar(data) {
    return {
      color: PALETTE,
      tooltip: { trigger: "item", confine: true },
      legend: legend(data),
      // Item names can be long (DOPS): shortened around the polygon, whole in the tooltip and the table.
      radar: {
        indicator: data.indicators,
        radius: "52%",
        axisName: { color: "#3c4a52", fontSize: 11, formatter: shorten },
      },
      series: [{
        type: "radar",
        areaStyle: { opacity: 0.2 },
        data: data.series.map(function (s) { return { name: s.name, value: s.values }; }),
      }],
    };
  }

  // At most about ten Latin letters' width: a Chinese character counts as two.
  function shorten(name) {
    var width = 0;
    for (var index = 0; index < name.length; index++) {
      width += name.charCodeAt(index) > 0x2e80 ? 2 : 1;
      if (width > 10 && index < name.length - 1) return name.slice(0, index) + "…";
    }
    return name;
  }

  var BUILDERS = { columns: columns, line: lines, radar: radar };

  function draw() {
    document.querySelectorAll(".chart[id]").forEach(function (element) {
      var source = document.getElementById(element.id + "-data");
      if (!source || !window.echarts) return;
      var data = JSON.parse(source.textContent);
      var chart = echarts.init(element, null, { renderer: "svg" });
      chart.setOption((BUILDERS[data.type] || bars)(data));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
