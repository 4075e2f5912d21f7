// The instrument builder: the new-instrument page shows the lists of the kind chosen, and a field's row
// offers options only for option fields and a range only for number fields. Adding rows is formsets.js.
(() => {
  const applies = { choices: ["choice"], multiple: ["choice"], min: ["int"], max: ["int"] };

  function refreshRow(row) {
    const type = row.querySelector("select[name$='-type']");
    if (!type) return;
    for (const [name, types] of Object.entries(applies)) {
      const input = row.querySelector(`[name$='-${name}']`);
      if (input) input.disabled = !types.includes(type.value);
    }
  }

  function refreshAll() {
    document.querySelectorAll("[data-formset='fields'] .formset-row").forEach(refreshRow);
  }

  document.addEventListener("DOMContentLoaded", () => {
    refreshAll();
    const kind = document.querySelector("select[name='instrument-kind']");
    if (kind) {
      const show = () => document.querySelectorAll("[data-kind]").forEach((block) => {
        block.hidden = block.dataset.kind !== kind.value;
      });
      kind.addEventListener("change", show);
      show();
    }
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches("select[name$='-type']")) refreshRow(event.target.closest(".formset-row"));
  });
  // A new row arrives after formsets.js handles the click.
  document.addEventListener("click", (event) => {
    if (event.target.matches("[data-formset-add]")) setTimeout(refreshAll, 0);
  });
})();
