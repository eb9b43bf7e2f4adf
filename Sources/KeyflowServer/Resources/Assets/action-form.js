// The action form shared by the Flow Builder and the workspace: Title, Description with the '{.}' picker,
// Attachments, Due Date with Exclude Weekends, Assignee, and a Form's fields or a Jumio action's details.
// `open` fills it; the caller's `submit` receives the action as the API takes it and may throw an API error,
// which is shown at its field.
const actionForm = {
  options: null,
  files: [],
  $: (id) => document.getElementById(id),

  init() {
    const form = this.$("action-form");
    this.$("af-type").addEventListener("change", () => this.showTypeFields());
    this.$("af-due").addEventListener("change", () => this.showDueFields());
    this.$("af-references").addEventListener("click", () => this.togglePicker());
    this.$("af-picker-filter").addEventListener("input", () => this.filterPicker());
    this.$("af-picker-filter").addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.closePicker();
      if (event.key === "ArrowDown") { event.preventDefault(); const first = this.$("af-picker-list").querySelector("li:not([hidden]) button"); if (first) first.focus(); }
    });
    this.$("af-picker-list").addEventListener("keydown", (event) => this.movePicker(event));
    this.$("af-file").addEventListener("change", () => this.upload());
    this.$("af-add-field").addEventListener("click", () => this.addField({ label: "", type: "text", required: true }));
    this.$("af-test-connection").addEventListener("click", () => this.testConnection());
    this.$("af-cancel").addEventListener("click", () => this.close());
    form.addEventListener("submit", (event) => { event.preventDefault(); this.send(); });
    // A field's error goes away as soon as the field is changed.
    form.addEventListener("input", (event) => {
      for (let next = event.target.nextElementSibling; next && !next.matches("label, input, select, textarea, fieldset"); next = next.nextElementSibling) {
        if (next.classList.contains("error")) next.textContent = "";
      }
    });
  },

  /// options: { type, action (to edit), assignees: [{value, label}], references: async () => [...],
  ///            submit: async (action) => {}, heading, submitLabel, after (element to show the form after) }
  open(options) {
    this.options = options;
    const form = this.$("action-form");
    form.reset();
    this.clearErrors();
    this.closePicker();
    const action = options.action || { type: options.type || "todo", title: "", description: "", attachments: [], due: { kind: "none" } };
    this.$("action-form-heading").textContent = options.heading || "New action";
    this.$("af-submit").textContent = options.submitLabel || "Add";
    this.$("af-type").value = action.type;
    this.$("af-title").value = action.title;
    this.$("af-description").value = action.description || "";
    this.fillAssignees(options.assignees, action.assignee);
    this.setDue(action.due || { kind: "none" });
    this.files = [];
    this.showFiles();
    this.loadFiles(action.attachments || []);
    this.$("af-fields").replaceChildren();
    for (const field of (action.form && action.form.fields) || []) this.addField(field);
    if (action.type === "form" && !action.form) this.addField({ label: "", type: "text", required: true });
    const jumio = action.jumio || { dataCenter: this.$("af-jumio-data-center").options[0].value, workflowType: "idVerification", clientId: "" };
    this.$("af-jumio-data-center").value = jumio.dataCenter;
    this.$("af-jumio-workflow").value = jumio.workflowType;
    this.$("af-jumio-client-id").value = jumio.clientId || "";
    this.$("af-secret-hint").hidden = !jumio.clientSecretSet;
    this.$("af-test-connection-result").textContent = "";
    this.showTypeFields();
    if (options.after) options.after.after(form);
    form.hidden = false;
    this.$("af-title").focus();
  },

  close() {
    this.$("action-form").hidden = true;
    this.closePicker();
    if (this.options && this.options.closed) this.options.closed();
    this.options = null;
  },

  showTypeFields() {
    const type = this.$("af-type").value;
    this.$("af-jumio").hidden = type !== "jumio";
    this.$("af-form-fields").hidden = type !== "form";
    if (type === "form" && !this.$("af-fields").children.length) this.addField({ label: "", type: "text", required: true });
  },

  showDueFields() {
    const choice = this.$("af-due").value;
    this.$("af-due-custom").hidden = choice !== "custom";
    this.$("af-due-date-row").hidden = choice !== "date";
    this.$("af-exclude-weekends").disabled = choice === "none";
  },

  setDue(due) {
    const presets = ["3", "5", "7", "14"];
    let choice = "none";
    if (due.kind === "days") {
      choice = presets.includes(String(due.days)) ? String(due.days) : "custom";
      this.$("af-due-days").value = String(due.days);
    } else if (due.kind === "date") {
      choice = "date";
      this.$("af-due-date").value = due.date;
    }
    this.$("af-due").value = choice;
    this.$("af-exclude-weekends").checked = !!due.excludeWeekends;
    this.showDueFields();
  },

  due() {
    const choice = this.$("af-due").value;
    const excludeWeekends = this.$("af-exclude-weekends").checked;
    if (choice === "none") return { kind: "none" };
    if (choice === "date") return { kind: "date", date: this.$("af-due-date").value, excludeWeekends };
    const days = choice === "custom" ? Number(this.$("af-due-days").value) : Number(choice);
    return { kind: "days", days, excludeWeekends };
  },

  fillAssignees(assignees, current) {
    const select = this.$("af-assignee");
    select.replaceChildren(keyflow.el("option", { value: "", text: "Choose who does it" }));
    for (const choice of assignees) select.append(keyflow.el("option", { value: choice.value, text: choice.label }));
    if (current) select.value = current.role !== undefined ? "role:" + current.role : "user:" + current.userId;
    else if (assignees.length === 1) select.value = assignees[0].value;
  },

  assignee() {
    const value = this.$("af-assignee").value;
    if (!value) return undefined;
    const [kind, target] = value.split(/:(.*)/s);
    return kind === "role" ? { role: target } : { userId: target };
  },

  // The '{.}' picker: the references available at this position, grouped, filterable, keyboard-usable.
  async togglePicker() {
    const picker = this.$("af-picker");
    if (!picker.hidden) { this.closePicker(); return; }
    const list = this.$("af-picker-list");
    list.replaceChildren(keyflow.el("li", { class: "meta", text: "Loading…" }));
    picker.hidden = false;
    this.$("af-references").setAttribute("aria-expanded", "true");
    this.$("af-picker-filter").value = "";
    this.$("af-picker-filter").focus();
    let references;
    try { references = await this.options.references(); }
    catch (e) { list.replaceChildren(keyflow.el("li", { class: "error", text: e.message })); return; }
    list.replaceChildren();
    let group = null;
    for (const reference of references) {
      if (reference.group !== group) {
        group = reference.group;
        list.append(keyflow.el("li", { class: "group", role: "presentation", "data-group": group, text: group }));
      }
      const button = keyflow.el("button", { type: "button", role: "option", class: "reference", "data-token": reference.token, text: reference.label });
      button.addEventListener("click", () => this.insert(reference.token));
      list.append(keyflow.el("li", { "data-group": group, "data-search": (group + " " + reference.label + " " + reference.token).toLowerCase() }, button));
    }
  },

  filterPicker() {
    const query = this.$("af-picker-filter").value.toLowerCase();
    const items = [...this.$("af-picker-list").children];
    for (const item of items) if (item.dataset.search) item.hidden = !item.dataset.search.includes(query);
    for (const item of items.filter(i => i.classList.contains("group"))) {
      item.hidden = !items.some(i => i.dataset.search && !i.hidden && i.dataset.group === item.dataset.group);
    }
  },

  movePicker(event) {
    const buttons = [...this.$("af-picker-list").querySelectorAll("li:not([hidden]) button")];
    const index = buttons.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && index < buttons.length - 1) { event.preventDefault(); buttons[index + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (index > 0 ? buttons[index - 1] : this.$("af-picker-filter")).focus(); }
    if (event.key === "Escape") { this.closePicker(); this.$("af-description").focus(); }
  },

  closePicker() {
    this.$("af-picker").hidden = true;
    this.$("af-references").setAttribute("aria-expanded", "false");
  },

  /// Puts the token where the cursor stood in the description.
  insert(token) {
    const box = this.$("af-description");
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? box.value.length;
    box.value = box.value.slice(0, start) + token + box.value.slice(end);
    this.closePicker();
    box.focus();
    box.setSelectionRange(start + token.length, start + token.length);
  },

  // Attachments go up at once; the action keeps their ids.
  async upload() {
    const input = this.$("af-file");
    const slot = document.querySelector('#action-form [data-field="attachments"]');
    slot.textContent = "";
    for (const file of input.files) {
      const body = new FormData();
      body.append("file", file, file.name);
      const item = keyflow.el("li", { class: "meta", text: `Uploading ${file.name}…` });
      this.$("af-files").append(item);
      try {
        const response = await fetch("/api/v1/attachments", { method: "POST", headers: { Authorization: "Bearer " + keyflow.token() }, body });
        const data = await response.json();
        if (!response.ok) throw new Error(`${file.name}: ${data.error ? data.error.message : "HTTP " + response.status}`);
        this.files.push(data);
      } catch (e) { slot.textContent = e.message; }
      item.remove();
    }
    input.value = "";
    this.showFiles();
  },

  async loadFiles(ids) {
    for (const id of ids) {
      try { this.files.push(await keyflow.call("GET", `/api/v1/attachments/${id}/info`)); }
      catch { this.files.push({ id, name: "a file you cannot see", size: 0 }); }
    }
    this.showFiles();
  },

  showFiles() {
    const list = this.$("af-files");
    list.replaceChildren();
    for (const file of this.files) {
      const remove = keyflow.el("button", { type: "button", class: "link", text: "Remove", "aria-label": "Remove " + file.name });
      remove.addEventListener("click", () => { this.files = this.files.filter(f => f.id !== file.id); this.showFiles(); });
      list.append(keyflow.el("li", { "data-attachment": file.id }, keyflow.el("span", { text: `${file.name} (${Math.ceil(file.size / 1024)} KB) ` }), remove));
    }
  },

  addField(field) {
    const index = this.$("af-fields").children.length + 1;
    const label = keyflow.el("input", { "aria-label": `Field ${index} label`, placeholder: "Label", class: "field-label" });
    label.value = field.label;
    const type = keyflow.el("select", { "aria-label": `Field ${index} type`, class: "field-type" });
    for (const [value, text] of [["text", "Text"], ["number", "Number"], ["date", "Date"], ["checkbox", "Checkbox"], ["choice", "Choice"]]) {
      type.append(keyflow.el("option", { value, text }));
    }
    type.value = field.type;
    const options = keyflow.el("input", { "aria-label": `Field ${index} options, comma separated`, placeholder: "Options, comma separated", class: "field-options" });
    options.value = (field.options || []).join(", ");
    options.hidden = field.type !== "choice";
    type.addEventListener("change", () => { options.hidden = type.value !== "choice"; });
    const required = keyflow.el("input", { type: "checkbox", class: "field-required" });
    required.checked = !!field.required;
    const remove = keyflow.el("button", { type: "button", class: "link", text: "Remove" });
    const item = keyflow.el("li", { "data-name": field.name || "" }, label, type, options,
      keyflow.el("label", { class: "check" }, required, document.createTextNode(" Required")), remove, keyflow.el("p", { class: "error" }));
    remove.addEventListener("click", () => item.remove());
    this.$("af-fields").append(item);
  },

  /// A field's name is kept once given (answers and references use it), or made from its label.
  formSpec() {
    const used = new Set();
    const fields = [...this.$("af-fields").children].map(item => {
      const label = item.querySelector(".field-label").value.trim();
      let name = item.dataset.name || label.replace(/[^A-Za-z0-9]+(.)?/g, (_, c) => (c || "").toUpperCase()).replace(/^[^A-Za-z]+/, "");
      name = (name.charAt(0).toLowerCase() + name.slice(1)).slice(0, 60) || "field";
      while (used.has(name)) name += "_";
      used.add(name);
      const field = { name, label, type: item.querySelector(".field-type").value, required: item.querySelector(".field-required").checked };
      if (field.type === "choice") field.options = item.querySelector(".field-options").value.split(",").map(o => o.trim()).filter(Boolean);
      return field;
    });
    return { fields };
  },

  action() {
    const source = (this.options && this.options.action) || {};
    const action = { type: this.$("af-type").value, title: this.$("af-title").value.trim(), description: this.$("af-description").value,
      attachments: this.files.map(f => f.id), due: this.due(), assignee: this.assignee() };
    if (source.id) action.id = source.id;
    if (action.type === "form") action.form = this.formSpec();
    if (action.type === "jumio") {
      action.jumio = { dataCenter: this.$("af-jumio-data-center").value, workflowType: this.$("af-jumio-workflow").value,
        clientId: this.$("af-jumio-client-id").value.trim() };
      const secret = this.$("af-jumio-client-secret").value;
      if (secret) action.jumio.clientSecret = secret;
      else if (source.jumio && source.jumio.clientSecret) action.jumio.clientSecret = source.jumio.clientSecret;
    }
    return action;
  },

  /// Checks what the browser can check, so the common mistakes are named before anything is sent.
  localProblems(action) {
    const problems = [];
    if (!action.title) problems.push(["title", "Give the action a title."]);
    if (!action.assignee) problems.push(["assignee", "Choose who does it."]);
    if (action.due.kind === "days" && !(action.due.days >= 1 && action.due.days <= 3650)) problems.push(["due", "Days must be from 1 to 3650."]);
    if (action.due.kind === "date" && !action.due.date) problems.push(["due", "Pick the day it is due."]);
    if (action.type === "jumio" && !action.jumio.clientId) problems.push(["jumio.clientId", "Enter the Jumio client ID."]);
    const stored = this.options.action && this.options.action.jumio && this.options.action.jumio.clientSecretSet;
    if (action.type === "jumio" && !action.jumio.clientSecret && !stored) problems.push(["jumio.clientSecret", "Enter the Jumio client secret."]);
    if (action.type === "form" && !action.form.fields.length) problems.push(["form", "Add at least one field."]);
    if (action.type === "form" && action.form.fields.some(f => !f.label)) problems.push(["form", "Every field needs a label."]);
    return problems;
  },

  async send() {
    this.clearErrors();
    const action = this.action();
    const problems = this.localProblems(action);
    for (const [field, message] of problems) this.showError(field, message);
    if (problems.length) return;
    const button = this.$("af-submit");
    button.disabled = true;
    try {
      await this.options.submit(action);
      this.close();
    } catch (e) {
      const field = e.details && e.details.error && e.details.error.field;
      this.showError(field ? field.replace(/^(action|actions\.\d+)\./, "") : null, e.message);
    } finally { button.disabled = false; }
  },

  showError(field, message) {
    const slots = [...document.querySelectorAll("#action-form [data-field]")];
    // The closest slot: `due.days` is shown at `due`, `jumio.clientId` at its own.
    const slot = field && slots.filter(s => field === s.dataset.field || field.startsWith(s.dataset.field + "."))
      .sort((a, b) => b.dataset.field.length - a.dataset.field.length)[0];
    (slot || this.$("af-error")).textContent = message;
  },

  clearErrors() { document.querySelectorAll("#action-form .error").forEach(e => { e.textContent = ""; }); },

  async testConnection() {
    const result = this.$("af-test-connection-result");
    result.textContent = "Asking Jumio…";
    const source = (this.options && this.options.action) || {};
    const secret = this.$("af-jumio-client-secret").value || (source.jumio && source.jumio.clientSecret);
    if (!secret) { result.textContent = "Enter the client secret to test the connection."; return; }
    try {
      const answer = await keyflow.call("POST", "/api/v1/jumio/test-connection", {
        dataCenter: this.$("af-jumio-data-center").value, clientId: this.$("af-jumio-client-id").value.trim(), clientSecret: secret });
      result.textContent = answer.message;
    } catch (e) { result.textContent = e.message; }
  }
};
actionForm.init();
