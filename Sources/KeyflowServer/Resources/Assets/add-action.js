// '…' → + Add New Action → choose a type → + Add Here between the steps still to come → configure → Add
// (internal users only).
const addAction = {
  type: null,

  init(getFlow, onAdded) {
    const me = keyflow.user();
    if (!me || me.role === "client") return;
    const more = document.getElementById("more");
    const menu = document.getElementById("more-menu");
    const types = document.getElementById("type-menu");
    more.hidden = false;
    more.addEventListener("click", () => {
      menu.hidden = !menu.hidden;
      more.setAttribute("aria-expanded", String(!menu.hidden));
    });
    document.getElementById("add-action").addEventListener("click", () => {
      menu.hidden = true;
      more.setAttribute("aria-expanded", "false");
      types.hidden = false;
      types.querySelector("button").focus();
    });
    types.addEventListener("click", (event) => {
      if (!event.target.dataset.type) return;
      this.type = event.target.dataset.type;
      types.hidden = true;
      document.getElementById("place-hint").hidden = false;
      this.showPlaces(getFlow(), onAdded);
    });
    types.addEventListener("keydown", (event) => { if (event.key === "Escape") types.hidden = true; });
  },

  /// '+ Add Here' buttons at every place after the active step.
  showPlaces(flow, onAdded) {
    this.removePlaces();
    const firstOpen = flow.actions.findIndex(a => !["completed", "cancelled", "skipped"].includes(a.status));
    const from = (firstOpen < 0 ? flow.actions.length : firstOpen) + 2;
    const steps = document.getElementById("steps");
    // From the end backwards, so inserting a button never shifts the places still to fill.
    for (let position = flow.actions.length + 1; position >= from; position--) {
      const button = keyflow.el("button", { type: "button", class: "add-here secondary", "data-position": String(position), text: "+ Add Here" });
      button.addEventListener("click", () => this.configure(flow, position, onAdded));
      const before = steps.children[position - 1];
      if (before) steps.insertBefore(button, before); else steps.append(button);
    }
  },

  removePlaces() {
    document.querySelectorAll(".add-here").forEach(b => b.remove());
    document.getElementById("place-hint").hidden = true;
  },

  configure(flow, position, onAdded) {
    this.removePlaces();
    const names = { todo: "To-Do", acknowledgement: "Acknowledgement", approval: "Approval", form: "Form", jumio: "Jumio" };
    const assignees = [...flow.roles.map(role => ({ value: "role:" + role, label: "Role: " + role })),
      ...Object.entries(flow.names).map(([id, name]) => ({ value: "user:" + id, label: name }))];
    actionForm.open({
      type: this.type, heading: `New ${names[this.type]} · step ${position}`, submitLabel: "Add", assignees,
      references: async () => (await keyflow.call("GET", `/api/v1/flows/${flow.id}/references?position=${position}`)).items,
      submit: async (action) => onAdded(await keyflow.call("POST", `/api/v1/flows/${flow.id}/actions`, { position, action })),
    });
  }
};
