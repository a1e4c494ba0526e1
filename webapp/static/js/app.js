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

// The review of results from Canvas. A started unit ends a set number of months after it starts
// (the integration's default): the end shown follows the start as it is typed, so what is saved
// is what is seen. Enter in a row saves that row (its Add button), never the whole page.
function addMonths(iso, months) {
  const [year, month, day] = iso.split("-").map(Number);
  const index = year * 12 + (month - 1) + months;
  const toYear = Math.floor(index / 12), toMonth = index % 12;
  const lastDay = new Date(Date.UTC(toYear, toMonth + 1, 0)).getUTCDate();
  const pad = (n, width) => String(n).padStart(width, "0");
  return `${pad(toYear, 4)}-${pad(toMonth + 1, 2)}-${pad(Math.min(day, lastDay), 2)}`;
}
document.addEventListener("input", (event) => {
  if (!event.target.matches("input[data-start]") || !event.target.value) return;
  const row = event.target.closest("[data-end-months]");
  const end = row && row.querySelector("input[data-end]");
  if (end) end.value = addMonths(event.target.value, Number(row.dataset.endMonths));
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !event.target.matches("form.review-rows input")) return;
  event.preventDefault();
  const add = event.target.closest("tr").querySelector("button[name=add], button[name=replace]");
  if (add) add.click();
});
