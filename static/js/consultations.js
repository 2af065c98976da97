// Progressive enhancement only: every consultation page works without this file.
// Shows the opening and closing times in the viewer's own time zone, as their device knows it.
document.addEventListener("DOMContentLoaded", () => {
  const format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });
  document.querySelectorAll("[data-viewer-deadline]").forEach((block) => {
    const opens = new Date(block.dataset.opens);
    const closes = new Date(block.dataset.closes);
    if (Number.isNaN(opens.getTime()) || Number.isNaN(closes.getTime())) return;
    const target = block.querySelector("dd");
    if (!target) return;
    target.textContent = `${block.dataset.labelOpens} ${format.format(opens)} · ${block.dataset.labelCloses} ${format.format(closes)}`;
    block.hidden = false;
  });
});
