// Small behaviours the CSP allows (no inline scripts anywhere).
// A table row is not a form: its Save button (or Enter in one of its inputs) fires
// "submit-row" on the row, which carries the hx-post.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-submit-row]");
  if (button) htmx.trigger(button.closest("tr"), "submit-row");
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  const row = event.target.closest("tr[hx-post]");
  if (row && event.target.matches("input, select")) {
    event.preventDefault();
    htmx.trigger(row, "submit-row");
  }
});
