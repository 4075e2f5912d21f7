// Rotation schedule pages: choices that apply themselves, confirmation before discarding a draft, and,
// once a solver run the page is watching succeeds, straight to the draft it made.
(function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  var jobs = document.getElementById("solver-jobs");
  if (!jobs) return;
  var finished = new Set();
  jobs.querySelectorAll('.job-progress[data-status="succeeded"]').forEach(function (job) { finished.add(job.id); });
  document.body.addEventListener("htmx:afterSettle", function () {
    jobs.querySelectorAll('.job-progress[data-status="succeeded"]').forEach(function (job) {
      if (finished.has(job.id)) return;
      finished.add(job.id);
      var result = job.querySelector("a[href]");
      if (result) window.location.assign(result.href);
    });
  });
})();
