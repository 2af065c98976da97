// Progressive enhancement only: every event page works without this file.
// Shows event times in the viewer's own time zone, as their device knows it.
document.addEventListener("DOMContentLoaded", () => {
  const format = new Intl.DateTimeFormat(undefined, {
    weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });
  const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  document.querySelectorAll("[data-viewer-time]").forEach((block) => {
    const start = new Date(block.dataset.start);
    if (Number.isNaN(start.getTime())) return;
    let text = format.format(start);
    if (block.dataset.end) {
      const end = new Date(block.dataset.end);
      if (!Number.isNaN(end.getTime())) {
        const sameDay = start.toDateString() === end.toDateString();
        text += " – " + (sameDay ? timeOnly.format(end) : format.format(end));
      }
    }
    const target = block.querySelector("dd");
    if (!target) return;
    target.textContent = text;
    block.classList.add("is-shown");
  });
});
