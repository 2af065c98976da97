// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  enhanceMenu();
  enhanceBusyButtons();
});

// The phone menu is folded by CSS from the first paint (site.css); without this file its toggle is
// a link to #site-nav, which :target unfolds. Here it becomes a button that folds and unfolds it.
function enhanceMenu() {
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  if (!toggle || !nav) return;
  document.documentElement.classList.add("js");
  if (window.location.hash === "#site-nav") {
    nav.classList.add("is-open");
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  toggle.setAttribute("role", "button");
  toggle.setAttribute("aria-expanded", String(nav.classList.contains("is-open")));
  const setOpen = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("is-open", open);
  };
  toggle.addEventListener("click", (event) => {
    event.preventDefault();
    setOpen(toggle.getAttribute("aria-expanded") !== "true");
  });
  toggle.addEventListener("keydown", (event) => {
    if (event.key === " ") {  // a button answers the space bar too
      event.preventDefault();
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && nav.classList.contains("is-open")) {
      setOpen(false);
      toggle.focus();
    }
  });
}

// Signing in or up takes a moment (the password is hashed on purpose slowly): the button says so,
// cannot be pressed twice, and a status message tells screen readers.
function enhanceBusyButtons() {
  document.querySelectorAll("button[data-busy-label]").forEach((button) => {
    const form = button.form;
    if (!form) return;
    const status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    button.after(status);
    const label = button.textContent;
    form.addEventListener("submit", (event) => {
      if (event.submitter && event.submitter !== button) return;
      if (form.getAttribute("aria-busy") === "true") {
        event.preventDefault();
        return;
      }
      form.setAttribute("aria-busy", "true");
      button.classList.add("is-busy");
      button.setAttribute("aria-disabled", "true");
      button.textContent = button.dataset.busyLabel;
      status.textContent = button.dataset.busyLabel;
    });
    // Back to the page from the history: the form is ready again.
    window.addEventListener("pageshow", (event) => {
      if (!event.persisted) return;
      form.removeAttribute("aria-busy");
      button.classList.remove("is-busy");
      button.removeAttribute("aria-disabled");
      button.textContent = label;
      status.textContent = "";
    });
  });
}
