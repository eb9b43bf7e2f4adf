// The Flow Builder: a template (saved after every change) or an instant flow (started when ready) built from
// the palette by drag and drop or the '+' between steps; steps are reordered by dragging (or Move up/down),
// and edited, duplicated or deleted from the tools shown on hover or focus.
(async () => {
  if (!keyflow.requireSignIn()) return;
  const main = document.querySelector("main");
  const mode = main.dataset.mode;
  const $ = (id) => document.getElementById(id);
  const list = $("builder-steps");
  const typeNames = { todo: "To-Do", acknowledgement: "Acknowledgement", approval: "Approval", form: "Form", jumio: "Jumio" };
  const state = {
    templateID: main.dataset.templateId || null,
    settings: { name: mode === "template" ? "Untitled template" : "Instant flow", icon: "", description: "", access: "shared", roles: [], variables: [] },
    people: [],
    actions: [],
  };
  const users = (await keyflow.call("GET", "/api/v1/users")).items;
  const userNames = Object.fromEntries(users.map(u => [u.id, u.name]));

  document.querySelectorAll(mode === "template" ? ".instant-only" : ".template-only").forEach(e => { e.hidden = true; });
  if (mode === "instant") {
    $("start-flow").hidden = false;
    state.people = [{ role: "Client", userId: (users.find(u => u.role === "client") || users[0]).id }];
  }
  if (state.templateID) {
    const template = await keyflow.call("GET", `/api/v1/templates/${state.templateID}`);
    load(template);
  }

  function load(template) {
    state.templateID = template.id;
    state.settings = { name: template.name, icon: template.icon, description: template.description, access: template.access,
      roles: template.roles, variables: template.variables };
    state.actions = template.actions;
  }

  function roles() { return mode === "template" ? state.settings.roles : [...new Set(state.people.map(p => p.role).filter(Boolean))]; }

  function assigneeChoices() {
    return [...roles().map(role => ({ value: "role:" + role, label: "Role: " + role })),
      ...users.filter(u => u.role !== "client" || mode === "instant").map(u => ({ value: "user:" + u.id, label: u.name }))];
  }

  function describeAssignee(assignee) {
    if (!assignee) return "nobody yet";
    return assignee.role !== undefined ? "Role: " + assignee.role : (userNames[assignee.userId] || "a member");
  }

  function describeDue(due) {
    if (!due || due.kind === "none") return "no due date";
    const weekdays = due.excludeWeekends ? ", weekends excluded" : "";
    return due.kind === "date" ? `due ${due.date}${weekdays}` : `due in ${due.days} day${due.days === 1 ? "" : "s"}${weekdays}`;
  }

  /// What the API takes: no view-only fields, and no secret once it is stored.
  function input(action) {
    const copy = { type: action.type, title: action.title, description: action.description || "", attachments: action.attachments || [],
      assignee: action.assignee, due: action.due || { kind: "none" } };
    if (action.id) copy.id = action.id;
    if (action.form) copy.form = action.form;
    if (action.jumio) {
      copy.jumio = { dataCenter: action.jumio.dataCenter, workflowType: action.jumio.workflowType, clientId: action.jumio.clientId };
      if (action.jumio.clientSecret) copy.jumio.clientSecret = action.jumio.clientSecret;
      if (action.jumio.connectionId) copy.jumio.connectionId = action.jumio.connectionId;
    }
    return copy;
  }

  function templateBody() {
    return { ...state.settings, actions: state.actions.map(input) };
  }

  async function save() {
    if (mode !== "template") return;
    if (!state.actions.length) { $("save-status").textContent = "Add a step to save the template."; return; }
    $("save-status").textContent = "Saving…";
    const saved = state.templateID
      ? await keyflow.call("PUT", `/api/v1/templates/${state.templateID}`, templateBody())
      : await keyflow.call("POST", "/api/v1/templates", templateBody());
    if (!state.templateID) history.replaceState(null, "", `/templates/${saved.id}`);
    load(saved);
    $("save-status").textContent = "All changes saved.";
  }

  /// Applies a change and saves it; when the server refuses, the change is undone and the error names the step.
  async function commit(change, position) {
    const before = structuredClone({ actions: state.actions, settings: state.settings });
    change();
    $("builder-error").textContent = "";
    try {
      await save();
    } catch (e) {
      Object.assign(state, before);
      $("save-status").textContent = "";
      const field = (e.details && e.details.error && e.details.error.field) || "";
      const step = /^actions\.(\d+)/.exec(field);
      if (step && Number(step[1]) !== position) e.message = `Step ${step[1]}: ${e.message}`;
      if (step && Number(step[1]) !== position && e.details) e.details.error.field = null;
      throw e;
    } finally { render(); }
  }

  async function commitOrShow(change) {
    try { await commit(change); } catch (e) { $("builder-error").textContent = e.message; }
  }

  let formPosition = null;

  /// The form opens in the list, right after the gap where the step goes (or after the step being edited).
  function placeForm() {
    const slot = keyflow.el("li", { class: "form-slot" }, $("action-form"));
    const anchor = list.querySelector(`.gap[data-position="${formPosition}"]`) || list.lastElementChild;
    anchor.after(slot);
  }

  function openForm(position, options) {
    hideTypeMenu();
    formPosition = position;
    actionForm.open({
      ...options,
      assignees: assigneeChoices(),
      references: async () => (await keyflow.call("POST", "/api/v1/references",
        { roles: roles(), variables: state.settings.variables, actions: state.actions.map(input).map(a => { if (a.jumio) delete a.jumio.clientSecret; return a; }), position })).items,
      closed: () => {
        formPosition = null;
        $("form-home").append($("action-form"));
        list.querySelectorAll(".form-slot").forEach(slot => slot.remove());
      },
    });
    placeForm();
  }

  function insertAt(position, type) {
    openForm(position, { type, heading: `New ${typeNames[type]} · step ${position}`, submitLabel: "Add",
      submit: (action) => commit(() => state.actions.splice(position - 1, 0, action), position) });
  }

  function edit(index) {
    openForm(index + 1, { action: structuredClone(state.actions[index]), heading: `Edit step ${index + 1}`, submitLabel: "Save",
      submit: (action) => commit(() => { state.actions[index] = action; }, index + 1) });
  }

  function duplicate(index) {
    const copy = structuredClone(state.actions[index]);
    delete copy.id;
    copy.title = copy.title + " (copy)";
    commitOrShow(() => state.actions.splice(index + 1, 0, copy));
  }

  function remove(index) {
    if (!confirm(`Delete step ${index + 1}, "${state.actions[index].title}"?`)) return;
    commitOrShow(() => state.actions.splice(index, 1));
  }

  /// Moves the step at `from` so that it lands at `position` (1-based, counted before the move).
  function move(from, position) {
    const to = position - 1 > from ? position - 2 : position - 1;
    if (to === from) return;
    commitOrShow(() => { const [step] = state.actions.splice(from, 1); state.actions.splice(to, 0, step); });
  }

  // Drag and drop: palette items carry a type, steps their index; gaps and steps take drops.
  function acceptDrops(element, position) {
    element.addEventListener("dragover", (event) => {
      const types = event.dataTransfer.types;
      if (!types.includes("application/x-keyflow-type") && !types.includes("application/x-keyflow-step")) return;
      event.preventDefault();
      element.classList.add("drop-target");
    });
    element.addEventListener("dragleave", () => element.classList.remove("drop-target"));
    element.addEventListener("drop", (event) => {
      event.preventDefault();
      element.classList.remove("drop-target");
      const at = typeof position === "function" ? position(event) : position;
      const type = event.dataTransfer.getData("application/x-keyflow-type");
      const step = event.dataTransfer.getData("application/x-keyflow-step");
      if (type) insertAt(at, type);
      else if (step !== "") move(Number(step), at);
    });
  }

  function gap(position) {
    const plus = keyflow.el("button", { type: "button", class: "plus secondary small", "aria-label": `Add a step at position ${position}`, text: "+" });
    plus.addEventListener("click", () => showTypeMenu(plus, position));
    const item = keyflow.el("li", { class: "gap", "data-position": String(position) }, plus);
    acceptDrops(item, position);
    return item;
  }

  function tool(label, handler, name) {
    const button = keyflow.el("button", { type: "button", class: "link", text: label, "aria-label": name });
    button.addEventListener("click", handler);
    return button;
  }

  function step(action, index) {
    const count = state.actions.length;
    const tools = keyflow.el("div", { class: "tools" },
      tool("Edit", () => edit(index), `Edit step ${index + 1}`),
      tool("Duplicate", () => duplicate(index), `Duplicate step ${index + 1}`),
      tool("Delete", () => remove(index), `Delete step ${index + 1}`),
      index > 0 ? tool("Move up", () => move(index, index), `Move step ${index + 1} up`) : null,
      index < count - 1 ? tool("Move down", () => move(index, index + 3), `Move step ${index + 1} down`) : null);
    const item = keyflow.el("li", { class: "step", draggable: "true", "data-index": String(index), "data-type": action.type },
      keyflow.el("div", { class: "step-head" },
        keyflow.el("strong", { text: `${index + 1}. ${action.title}` }),
        keyflow.el("span", { class: "badge", text: typeNames[action.type] })),
      keyflow.el("div", { class: "meta", text: `${describeAssignee(action.assignee)} · ${describeDue(action.due)}${(action.attachments || []).length ? ` · ${action.attachments.length} attachment(s)` : ""}` }),
      action.description ? keyflow.el("p", { class: "meta description", text: action.description }) : null,
      tools);
    item.addEventListener("dragstart", (event) => {
      event.dataTransfer.setData("application/x-keyflow-step", String(index));
      event.dataTransfer.effectAllowed = "move";
    });
    acceptDrops(item, (event) => {
      const box = item.getBoundingClientRect();
      return event.clientY < box.top + box.height / 2 ? index + 1 : index + 2;
    });
    return item;
  }

  function render() {
    $("form-home").append($("action-form"));
    $("builder-name").textContent = (state.settings.icon ? state.settings.icon + " " : "") + state.settings.name;
    document.title = state.settings.name + " · Keyflow";
    list.replaceChildren();
    state.actions.forEach((action, index) => { list.append(gap(index + 1), step(action, index)); });
    list.append(gap(state.actions.length + 1));
    if (!state.actions.length) list.append(keyflow.el("li", { class: "hint empty", text: "Drag an action here from the left, or click +." }));
    if (formPosition !== null) placeForm();
  }

  function showTypeMenu(button, position) {
    const menu = $("type-menu");
    menu.dataset.position = String(position);
    button.closest("li").after(menu);
    menu.hidden = false;
    menu.querySelector("button").focus();
  }

  function hideTypeMenu() { $("type-menu").hidden = true; $("form-home").append($("type-menu")); }

  $("type-menu").addEventListener("click", (event) => {
    const type = event.target.dataset.type;
    if (type) insertAt(Number($("type-menu").dataset.position), type);
  });
  $("type-menu").addEventListener("keydown", (event) => { if (event.key === "Escape") hideTypeMenu(); });

  for (const item of document.querySelectorAll(".palette-item")) {
    item.addEventListener("dragstart", (event) => {
      event.dataTransfer.setData("application/x-keyflow-type", item.dataset.type);
      event.dataTransfer.effectAllowed = "copy";
    });
    item.addEventListener("click", () => insertAt(state.actions.length + 1, item.dataset.type));
  }

  // Settings: name, icon, description, access, roles and variables (a template), or the people (an instant flow).
  function personRow(person) {
    const role = keyflow.el("input", { "aria-label": "Role", placeholder: "Role", class: "person-role" });
    role.value = person.role || "";
    const who = keyflow.el("select", { "aria-label": "Person", class: "person-user" });
    for (const user of users) who.append(keyflow.el("option", { value: user.id, text: `${user.name} (${user.role})` }));
    who.value = person.userId;
    const drop = keyflow.el("button", { type: "button", class: "link", text: "Remove" });
    const row = keyflow.el("li", {}, role, who, drop);
    drop.addEventListener("click", () => row.remove());
    return row;
  }

  function fillSettings() {
    const s = state.settings;
    $("settings-name").value = s.name;
    $("settings-icon").value = s.icon;
    $("settings-description").value = s.description;
    $("settings-access").value = s.access;
    $("settings-roles").value = s.roles.join(", ");
    $("settings-variables").value = s.variables.join(", ");
    $("settings-people").replaceChildren(...state.people.map(personRow));
  }

  const words = (text) => text.split(",").map(w => w.trim()).filter(Boolean);

  $("open-settings").addEventListener("click", () => {
    const panel = $("settings");
    panel.hidden = !panel.hidden;
    $("open-settings").setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) { fillSettings(); $("settings-name").focus(); }
  });
  $("add-person").addEventListener("click", () => $("settings-people").append(personRow({ role: "", userId: users[0].id })));
  $("settings").addEventListener("submit", async (event) => {
    event.preventDefault();
    document.querySelectorAll("#settings .error").forEach(e => { e.textContent = ""; });
    const name = $("settings-name").value.trim();
    if (!name) { document.querySelector('#settings [data-field="name"]').textContent = "Give it a name."; return; }
    try {
      await commit(() => {
        state.settings = { ...state.settings, name, icon: $("settings-icon").value.trim(), description: $("settings-description").value,
          access: $("settings-access").value, roles: words($("settings-roles").value), variables: words($("settings-variables").value) };
        state.people = [...$("settings-people").children].map(row => ({ role: row.querySelector(".person-role").value.trim(), userId: row.querySelector(".person-user").value }));
      });
      $("settings").hidden = true;
      $("open-settings").setAttribute("aria-expanded", "false");
    } catch (e) {
      const field = e.details && e.details.error && e.details.error.field;
      const slot = field && document.querySelector(`#settings [data-field="${field.split(".")[0]}"]`);
      (slot || $("builder-error")).textContent = e.message;
    }
  });

  $("start-flow").addEventListener("click", async () => {
    $("builder-error").textContent = "";
    const members = state.people.filter(p => p.userId).map(p => ({ userId: p.userId, role: p.role || undefined }));
    try {
      const flow = await keyflow.call("POST", "/api/v1/flows", { name: state.settings.name, description: state.settings.description,
        members, actions: state.actions.map(input) });
      location.assign(`/flows/${flow.id}`);
    } catch (e) {
      const field = (e.details && e.details.error && e.details.error.field) || "";
      const step = /^actions\.(\d+)/.exec(field);
      $("builder-error").textContent = step ? `Step ${step[1]}: ${e.message}` : e.message;
    }
  });

  window.addEventListener("beforeunload", (event) => { if (mode === "instant" && state.actions.length) event.preventDefault(); });
  render();
  if (mode === "template" && !state.templateID) $("save-status").textContent = "Add a step to save the template.";
})();
