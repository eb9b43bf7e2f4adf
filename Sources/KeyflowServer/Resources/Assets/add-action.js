// '…' → + Add New Action → configure → + Add Here between the steps still to come (internal users only).
const addAction = {
  init(getFlow, onAdded) {
    const me = keyflow.user();
    if (!me || me.role === "client") return;
    const more = document.getElementById("more");
    const menu = document.getElementById("more-menu");
    const form = document.getElementById("new-action");
    const type = document.getElementById("new-type");
    more.hidden = false;
    more.addEventListener("click", () => {
      menu.hidden = !menu.hidden;
      more.setAttribute("aria-expanded", String(!menu.hidden));
    });
    type.addEventListener("change", () => { document.getElementById("jumio-details").hidden = type.value !== "jumio"; });
    document.getElementById("add-action").addEventListener("click", () => {
      menu.hidden = true;
      form.hidden = false;
      this.fillAssignees(getFlow());
      this.showPlaces(getFlow(), onAdded);
      document.getElementById("new-title").focus();
    });
    document.getElementById("test-connection").addEventListener("click", async () => {
      const result = document.getElementById("test-connection-result");
      result.textContent = "Asking Jumio…";
      try {
        const answer = await keyflow.call("POST", "/api/v1/jumio/test-connection", {
          dataCenter: document.getElementById("jumio-data-center").value,
          clientId: document.getElementById("jumio-client-id").value,
          clientSecret: document.getElementById("jumio-client-secret").value });
        result.textContent = answer.message;
      } catch (e) { result.textContent = e.message; }
    });
  },

  fillAssignees(flow) {
    const select = document.getElementById("new-assignee");
    select.replaceChildren();
    for (const role of flow.roles) select.append(keyflow.el("option", { value: "role:" + role, text: "Role: " + role }));
    for (const [id, name] of Object.entries(flow.names)) select.append(keyflow.el("option", { value: "user:" + id, text: name }));
  },

  /// '+ Add Here' buttons at every place after the active step.
  showPlaces(flow, onAdded) {
    document.querySelectorAll(".add-here").forEach(b => b.remove());
    const firstOpen = flow.actions.findIndex(a => !["completed", "cancelled", "skipped"].includes(a.status));
    const from = (firstOpen < 0 ? flow.actions.length : firstOpen) + 2;
    const steps = document.getElementById("steps");
    // From the end backwards, so inserting a button never shifts the places still to fill.
    for (let position = flow.actions.length + 1; position >= from; position--) {
      const button = keyflow.el("button", { type: "button", class: "add-here secondary", "data-position": String(position), text: "+ Add Here" });
      button.addEventListener("click", () => this.submit(position, onAdded));
      const before = steps.children[position - 1];
      if (before) steps.insertBefore(button, before); else steps.append(button);
    }
  },

  action() {
    const value = (id) => document.getElementById(id).value;
    const [kind, target] = value("new-assignee").split(/:(.*)/s);
    const action = { type: value("new-type"), title: value("new-title"), description: value("new-description"),
      assignee: kind === "role" ? { role: target } : { userId: target } };
    if (action.type === "jumio") {
      action.jumio = { dataCenter: value("jumio-data-center"), workflowType: value("jumio-workflow"),
        clientId: value("jumio-client-id"), clientSecret: value("jumio-client-secret") };
    }
    return action;
  },

  async submit(position, onAdded) {
    document.querySelectorAll("#new-action .error").forEach(e => e.textContent = "");
    try {
      const flow = await keyflow.call("POST", `/api/v1/flows/${document.querySelector("main").dataset.flowId}/actions`,
        { position, action: this.action() });
      document.getElementById("new-action").hidden = true;
      document.getElementById("new-action").reset();
      document.querySelectorAll(".add-here").forEach(b => b.remove());
      onAdded(flow);
    } catch (e) {
      const field = e.details && e.details.error && e.details.error.field;
      const slot = field && document.querySelector(`#new-action [data-field="${field}"]`);
      (slot || document.getElementById("new-action-error")).textContent = e.message;
    }
  }
};
