// Draws every chart whose data the page embedded with json_script: <div id="X"> + <script id="X-data">.
(function () {
  function draw() {
    document.querySelectorAll(".chart[id]").forEach(function (element) {
      var source = document.getElementById(element.id + "-data");
      if (!source || !window.echarts) return;
      var data = JSON.parse(source.textContent);
      var chart = echarts.init(element, null, { renderer: "svg" });
      chart.setOption({
        color: ["#0b6e69"],
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: data.labels, inverse: true },
        series: [{ type: "bar", data: data.values, label: { show: true, position: "right" } }],
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
