// "Refresh evidence now": start the refresh without leaving the page, then poll its progress until done.
(function () {
  "use strict";
  var form = document.querySelector("[data-evidence-refresh]");
  var status = document.querySelector("[data-evidence-progress]");
  if (!status) { return; }

  function poll(url) {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (run) {
        if (run.done) {
          status.textContent = "Refresh finished: " + run.components_done + " of " + run.components_total +
            " components checked. Reloading…";
          window.location.reload();
          return;
        }
        status.textContent = "Refresh in progress: " + run.components_done + " of " + run.components_total +
          " components checked.";
        window.setTimeout(function () { poll(url); }, 1000);
      })
      .catch(function () { status.textContent = "Could not read the refresh progress; reload the page."; });
  }

  if (status.dataset.statusUrl) { poll(status.dataset.statusUrl); }
  if (!form) { return; }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    status.textContent = "Starting the refresh…";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.json();
      })
      .then(function (started) { poll(started.status_url); })
      .catch(function () {
        button.disabled = false;
        status.textContent = "The refresh could not be started; try again or reload the page.";
      });
  });
})();
