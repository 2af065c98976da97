// Copy a page's address from its share links (templates/includes/share_links.html). Without
// this file (or a clipboard), the button stays hidden and the other links still work.
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) return;
  for (const button of document.querySelectorAll(".share__copy")) {
    const item = button.closest(".share__copy-item");
    const status = button.closest(".share").querySelector(".share__status");
    item.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        status.textContent = button.dataset.copied;
      } catch {
        status.textContent = button.dataset.failed;
      }
    });
  }
});
