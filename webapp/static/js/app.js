// Small behaviours the CSP allows (no inline scripts anywhere).

// A table row is not a form: its Save button (or Enter in one of its inputs) fires
// "submit-row" on the row, which carries the hx-post.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-submit-row]");
  if (button) htmx.trigger(button.closest("tr"), "submit-row");
});

// Enter in a field presses the form's [data-enter] button (the wizard's Next), not the first
// button of the form, which may be Back or "Authorise with Canvas" (that leaves the app).
const TYPED = "input:not([type=button]):not([type=submit]):not([type=reset]):not([type=file]):not([type=image])";
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !event.target.matches(`${TYPED}, select`)) return;
  const row = event.target.closest("tr[hx-post]");
  if (row) {
    event.preventDefault();
    htmx.trigger(row, "submit-row");
    return;
  }
  const button = event.target.matches(TYPED) && event.target.form && event.target.form.querySelector("[data-enter]");
  if (button && !button.disabled) {
    event.preventDefault();
    button.click();
  }
});

// A form that saves or starts work is sent once: while its request runs, a second press (a
// double-click on Process all) sends nothing, and its buttons show as disabled. They are disabled
// only after the browser has read the form: a disabled button's name and value (Add, Replace, the
// download mode) would not be sent. htmx sends its own forms (they say so by preventing the
// browser's submit) and disables their buttons with hx-disabled-elt.
const SENDING = "sending";
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented || form.method !== "post") return;
  if (form.dataset[SENDING]) {
    event.preventDefault();
    return;
  }
  form.dataset[SENDING] = "true";
  setTimeout(() => form.querySelectorAll("button, input[type=submit]").forEach((button) => {
    button.disabled = true;
  }));
});
// A page the browser kept and shows again (Back) has sent nothing since: its forms work again.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  document.querySelectorAll("form[data-sending]").forEach((form) => {
    delete form.dataset[SENDING];
    form.querySelectorAll("button, input[type=submit]").forEach((button) => { button.disabled = false; });
  });
});

// Menus (<details class="menu">): Escape closes the open one and gives focus back to its
// summary; a click elsewhere, or opening another, closes it.
const closeMenus = (except) => document.querySelectorAll("details.menu[open]").forEach((menu) => {
  if (menu !== except) menu.removeAttribute("open");
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const open = document.querySelector("details.menu[open]");
  if (!open) return;
  open.removeAttribute("open");
  open.querySelector("summary").focus();
});
document.addEventListener("click", (event) => closeMenus(event.target.closest("details.menu")));
document.addEventListener("toggle", (event) => {
  if (event.target.matches("details.menu[open]")) closeMenus(event.target);
}, true);

// Focus across htmx requests. A button disabled while it works (Test connection) would leave
// focus on <body>: give it back. (htmx itself keeps focus on a replaced input with an id.) A
// container marked data-focus-on-swap (the wizard) instead moves focus to its new heading,
// which announces the step, or to the first field in error.
let focused = null;
document.addEventListener("htmx:beforeRequest", () => { focused = document.activeElement; });
// A wizard step reached by a full page load (the browser posted the form itself, before htmx
// was ready) gets the same focus as one swapped in.
const focusWizardStep = (container) => {
  const target = container.querySelector("[aria-invalid=true]") || container.querySelector("h2[tabindex]");
  if (target) target.focus();
};
document.querySelectorAll("[data-focus-on-swap]").forEach(focusWizardStep);
// After the new content has settled, not after the request: a step answered with a redirect
// (HX-Location) ends its request before the next step is even fetched.
document.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail.target || event.target;
  if (!target || !target.matches("[data-focus-on-swap]")) return;
  focusWizardStep(target);
});
document.addEventListener("htmx:afterRequest", (event) => {
  const target = event.detail.target;
  if (target && target.matches("[data-focus-on-swap]")) return;
  const lost = !document.activeElement || document.activeElement === document.body;
  if (lost && focused && focused.isConnected) focused.focus();
});

// A row that comes back refused (a date that does not exist) shows why under its Save button: bring
// the whole message into view, however low on the screen the row was. Centred: "nearest" aligns its
// edge with the screen's, which a fractional layout can leave a fraction of a pixel short.
document.addEventListener("htmx:load", (event) => {
  const refusal = event.detail.elt.querySelector && event.detail.elt.querySelector(".row-error");
  if (refusal) refusal.scrollIntoView({ block: "center", inline: "nearest" });
});

// A table wider than the screen scrolls inside its .table-scroll box. While it does, the box
// takes focus too, so the keyboard can scroll to columns that hold no link or field, and it is
// named after the heading above it.
const HEADING_ABOVE = "(preceding::*[self::h1 or self::h2])[last()]";
function markScrollingTables() {
  document.querySelectorAll(".table-scroll").forEach((box) => {
    if (box.scrollWidth > box.clientWidth) {
      if (box.hasAttribute("tabindex")) return;
      const heading = document.evaluate(HEADING_ABOVE, box, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", `${heading ? heading.textContent.trim() : "Table"} (scrolls sideways)`);
    } else if (box.hasAttribute("tabindex")) {
      ["tabindex", "role", "aria-label"].forEach((name) => box.removeAttribute(name));
    }
  });
}
markScrollingTables();
document.addEventListener("htmx:load", markScrollingTables);
window.addEventListener("resize", markScrollingTables);

// The review of results from Canvas. A started unit ends a set number of months after it starts
// (the integration's default): the end shown follows the start as it is typed, so what is saved
// is what is seen. Enter in a row saves that row (its Add button), never the whole page.
// Dates are typed dd/mm/yyyy (services/dates.py reads the same forms); the end waits for a whole date.
function readDay(text) {
  const dayFirst = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text.trim());
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text.trim());
  if (dayFirst) return [Number(dayFirst[3]), Number(dayFirst[2]), Number(dayFirst[1])];
  if (iso) return [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  return null;
}
function addMonths([year, month, day], months) {
  const index = year * 12 + (month - 1) + months;
  const toYear = Math.floor(index / 12), toMonth = index % 12;
  const lastDay = new Date(Date.UTC(toYear, toMonth + 1, 0)).getUTCDate();
  const pad = (n, width) => String(n).padStart(width, "0");
  return `${pad(Math.min(day, lastDay), 2)}/${pad(toMonth + 1, 2)}/${pad(toYear, 4)}`;
}
document.addEventListener("input", (event) => {
  if (!event.target.matches("input[data-start]")) return;
  const start = readDay(event.target.value);
  const row = event.target.closest("[data-end-months]");
  const end = row && row.querySelector("input[data-end]");
  if (start && end && start[1] >= 1 && start[1] <= 12) end.value = addMonths(start, Number(row.dataset.endMonths));
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !event.target.matches("form.review-rows input")) return;
  event.preventDefault();
  const add = event.target.closest("tr").querySelector("button[name=add], button[name=replace]");
  if (add) add.click();
});

// Selecting students in a table (the occurrence's Enrolments, for Change status…): the header's
// [data-select-all=name] box ticks or clears every box of that name in its form, and shows "some"
// while only some are ticked; [data-selected-count] says how many are. The boxes are the form's own
// fields, so the keyboard (Tab, Space) and a page without this script select the same way.
function showSelection(form) {
  const all = form.querySelector("[data-select-all]");
  if (!all) return;
  const boxes = [...form.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`)];
  const ticked = boxes.filter((box) => box.checked).length;
  all.checked = ticked > 0 && ticked === boxes.length;
  all.indeterminate = ticked > 0 && ticked < boxes.length;
  const count = form.querySelector("[data-selected-count]");
  if (count) count.textContent = ticked ? `${ticked} selected` : "Select students to change their status together.";
}
document.addEventListener("change", (event) => {
  const form = event.target.form;
  if (!form || !form.querySelector("[data-select-all]")) return;
  if (event.target.matches("[data-select-all]")) {
    const name = event.target.dataset.selectAll;
    form.querySelectorAll(`input[type=checkbox][name="${name}"]`).forEach((box) => { box.checked = event.target.checked; });
  }
  showSelection(form);
});
// A page come back to (the browser's Back) keeps its ticks: say so from the start.
document.querySelectorAll("form [data-select-all]").forEach((all) => showSelection(all.form));
// A form marked data-warn-unsaved asks before the page is left with changes not sent, so nothing
// chosen is lost silently; sending the form (any of its buttons) is not leaving it.
document.addEventListener("change", (event) => {
  const form = event.target.form || event.target.closest("form");
  if (form && form.matches("[data-warn-unsaved]")) form.dataset.changed = "yes";
});
document.addEventListener("submit", (event) => { delete event.target.dataset.changed; });
window.addEventListener("beforeunload", (event) => {
  if (document.querySelector("form[data-warn-unsaved][data-changed]")) event.preventDefault();
});
