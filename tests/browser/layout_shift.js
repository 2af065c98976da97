// Injected before a page's own scripts by tests/browser/test_look.py (see WATCH_SHIFTS there).
window.__shift = 0; window.__menuShift = 0; window.__menuAt = null; window.__shifts = [];
new MutationObserver(() => {
  if (window.__menuAt === null && document.documentElement.classList.contains("js")) window.__menuAt = performance.now();
}).observe(document, {attributes: true, subtree: true, attributeFilter: ["class"]});
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    if (window.__menuAt !== null && entry.startTime >= window.__menuAt && entry.startTime - window.__menuAt < 150) {
      window.__menuShift += entry.value;
      continue;
    }
    window.__shift += entry.value;
    window.__shifts.push(...entry.sources.map((source) => `${entry.value.toFixed(3)} ${source.node ? source.node.outerHTML.slice(0, 80) : "?"}`));
  }
}).observe({type: "layout-shift", buffered: true});
