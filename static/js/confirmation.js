// Progressive enhancement only: without this file the confirmation form posts as usual and the
// page it answers with has a link to ask for the outcome again.
//
// On the confirmation page the form is sent in the background (Accept: application/json); for an
// event with a waiting list the answer is "queued" while a task worker gives the seats in the
// order confirmations arrived, so the page asks the status address until the outcome is known and
// says it in its live region. The waiting page (after a post without script) asks the same way.
document.addEventListener("DOMContentLoaded", () => {
  const live = document.querySelector("[data-confirmation-live]");
  if (!live) return;
  const form = document.querySelector("form[data-confirmation]");

  const say = (message, pageUrl) => {
    live.hidden = false;
    live.replaceChildren();
    const text = document.createElement("p");
    text.textContent = message;
    live.append(text);
    if (pageUrl && live.dataset.more) {
      const link = document.createElement("a");
      link.href = pageUrl;
      link.textContent = live.dataset.more;
      const more = document.createElement("p");
      more.append(link);
      live.append(more);
    }
  };

  const poll = (url, delay) => {
    window.setTimeout(() => {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((response) => response.json())
        .then((answer) => {
          if (answer.state === "queued") poll(url, Math.min(delay * 1.5, 5000));
          else say(answer.message, answer.page_url);
        })
        .catch(() => poll(url, 5000));
    }, delay);
  };

  if (live.dataset.confirmationPoll) poll(live.dataset.confirmationPoll, 1000);

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      say(form.dataset.sending);
      fetch(window.location.href, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then((response) => response.json())
        .then((answer) => {
          if (answer.state === "queued") {
            form.hidden = true;
            say(answer.message);
            poll(answer.status_url, 500);
          } else {
            form.hidden = answer.state !== "refused";
            say(answer.message, answer.state === "refused" ? "" : answer.page_url);
            if (button) button.disabled = false;
          }
        })
        .catch(() => {
          say(form.dataset.failed);
          if (button) button.disabled = false;
        });
    });
  }
});
