// Polls a report job until it is done or failed, then shows the download link. No dependencies.
(function () {
  const box = document.getElementById("job");
  if (!box) return;
  const progress = document.getElementById("job-progress");
  const message = document.getElementById("job-message");
  const download = document.getElementById("job-download");
  async function poll() {
    const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) { message.textContent = "Could not read the job's progress; reload the page."; return; }
    const job = await response.json();
    progress.value = job.progress;
    message.textContent = job.message;
    if (job.download_url) {
      download.querySelector("a").href = job.download_url;
      download.hidden = false;
    }
    if (job.status === "failed") document.getElementById("job-retry").hidden = false;
    if (job.status === "queued" || job.status === "running") setTimeout(poll, 1000);
  }
  poll();
})();
