// Starting a flow from a template: name the workspace, bind each role to a person (or invite a new client),
// give the template's variables their values.
(async () => {
  if (!keyflow.requireSignIn()) return;
  const $ = (id) => document.getElementById(id);
  const templateID = document.querySelector("main").dataset.templateId;
  let template;
  try { template = await keyflow.call("GET", `/api/v1/templates/${templateID}`); }
  catch (e) { $("start-error").textContent = e.message; $("start").hidden = true; return; }
  const users = (await keyflow.call("GET", "/api/v1/users")).items;
  const me = keyflow.user();
  $("start-title").textContent = `Start "${template.name}"`;
  $("start-summary").textContent = template.actions.map((a, i) => `${i + 1}. ${a.title}`).join(" · ");
  $("flow-name").value = template.name;

  $("role-bindings").hidden = template.roles.length === 0;
  template.roles.forEach((role, index) => {
    const id = `role-${index}`;
    const select = keyflow.el("select", { id, "data-role": role });
    const ordered = [...users.filter(u => u.role === "client"), ...users.filter(u => u.role !== "client")];
    for (const user of ordered) select.append(keyflow.el("option", { value: user.id, text: `${user.name} · ${user.email}` }));
    if (me.role === "admin") select.append(keyflow.el("option", { value: "new", text: "+ Invite a new client…" }));
    const invite = keyflow.el("div", { class: "invite", hidden: "" },
      keyflow.el("label", { for: id + "-name", text: "Client's name" }), keyflow.el("input", { id: id + "-name", autocomplete: "off" }),
      keyflow.el("label", { for: id + "-email", text: "Client's email" }), keyflow.el("input", { id: id + "-email", type: "email", autocomplete: "off" }));
    select.addEventListener("change", () => { invite.hidden = select.value !== "new"; });
    $("roles").append(keyflow.el("label", { for: id, text: role }), select, invite,
      keyflow.el("p", { class: "error", "data-field": `members.${index + 1}` }));
  });

  $("variable-values").hidden = template.variables.length === 0;
  template.variables.forEach((variable, index) => {
    $("variables").append(keyflow.el("label", { for: `variable-${index}`, text: variable }),
      keyflow.el("input", { id: `variable-${index}`, "data-variable": variable }));
  });

  $("start").addEventListener("submit", async (event) => {
    event.preventDefault();
    document.querySelectorAll("#start .error").forEach(e => { e.textContent = ""; });
    const members = [];
    try {
      for (const [index, select] of [...document.querySelectorAll("#roles select")].entries()) {
        let userId = select.value;
        if (userId === "new") {
          const user = await keyflow.call("POST", "/api/v1/users", { role: "client",
            name: $(`role-${index}-name`).value.trim(), email: $(`role-${index}-email`).value.trim() })
            .catch(e => { document.querySelector(`[data-field="members.${index + 1}"]`).textContent = e.message; throw e; });
          userId = user.id;
        }
        members.push({ userId, role: select.dataset.role });
      }
      const variables = Object.fromEntries([...document.querySelectorAll("#variables input")].map(i => [i.dataset.variable, i.value]));
      const flow = await keyflow.call("POST", "/api/v1/flows", { templateId: templateID, name: $("flow-name").value.trim(), members, variables });
      location.assign(`/flows/${flow.id}`);
    } catch (e) {
      const field = e.details && e.details.error && e.details.error.field;
      const slot = field && document.querySelector(`#start [data-field="${field.split(".").slice(0, 2).join(".")}"], #start [data-field="${field.split(".")[0]}"]`);
      (slot || $("start-error")).textContent = e.message;
    }
  });
})();
