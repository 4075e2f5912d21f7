// Formset rows: "Add" clones the empty row the page carries in a <template>, numbered after the last
// row; the training-base choice on the new-standard page reloads the page with that base's departments.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-formset]").forEach((formset) => {
    const prefix = formset.dataset.formset;
    const total = formset.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
    const template = formset.querySelector("template[data-formset-template]");
    const body = formset.querySelector("[data-formset-body]");
    formset.querySelector("[data-formset-add]").addEventListener("click", () => {
      const index = Number(total.value);
      body.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__prefix__", String(index)));
      total.value = String(index + 1);
      body.lastElementChild.querySelector("select, input:not([type=hidden])")?.focus();
    });
  });
  const institution = document.querySelector("select[name=institution]");
  if (institution) {
    institution.addEventListener("change", () => {
      window.location.search = new URLSearchParams({ institution: institution.value }).toString();
    });
  }
});
