// Follows an import job: polls its small JSON status and moves the progress bar; when the job
// has finished, reloads the page, which then shows the report.
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box || box.dataset.finished === "true") return;
  var bar = document.getElementById("import-progress");
  var state = document.getElementById("import-state");
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        bar.value = job.percent;
        bar.textContent = job.percent + "%";
        state.textContent = job.state_label + (job.total_rows ? " — " + job.processed_rows + " / " + job.total_rows : "");
        if (job.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
