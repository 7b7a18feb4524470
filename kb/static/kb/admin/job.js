// A job's page: move its progress bars without a reload, then show its report.
// Polls the job's progress/ (JSON) every second while it runs; once it is over,
// reloads the page once, which then carries the report and no script work.
(function () {
  "use strict";
  var page = document.querySelector(".kb-job");
  if (!page || page.dataset.finished === "true") return;
  var url = page.dataset.progressUrl;
  var language = document.documentElement.lang || undefined;

  function count(value) {
    return Number(value).toLocaleString(language);
  }

  function show(progress) {
    page.querySelectorAll("progress[data-value]").forEach(function (bar) {
      var max = progress[bar.dataset.max];
      if (max !== null && max !== undefined) {
        bar.max = Math.max(max, 1);
        bar.value = progress[bar.dataset.value];
      }
    });
    page.querySelectorAll("[data-count]").forEach(function (span) {
      var of = progress[span.dataset.of];
      var text = count(progress[span.dataset.count]);
      if (of === null || of === undefined) {
        // No total yet: the worker is still reading the file (a large one takes a while).
        span.textContent = progress.state === "validating" ? page.dataset.readingLabel : text;
      } else {
        span.textContent = text + " / " + count(of);
      }
    });
    var state = page.querySelector("[data-field=state_label]");
    if (state) state.textContent = progress.state_label;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (progress) {
        show(progress);
        if (progress.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000); // a blip: try again, less often
      });
  }
  window.setTimeout(poll, 1000);
})();
