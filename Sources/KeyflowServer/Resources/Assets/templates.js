// The templates the user may see, each with Start flow and (for its creator or an admin) Edit and Delete.
(async () => {
  if (!keyflow.requireSignIn()) return;
  const me = keyflow.user();
  const list = document.getElementById("templates");
  async function show() {
    const templates = (await keyflow.call("GET", "/api/v1/templates")).items;
    list.replaceChildren();
    if (templates.length === 0) list.append(keyflow.el("li", { text: "No templates yet. Build one with + New template." }));
    for (const template of templates) {
      const mayEdit = template.ownerId === me.id || me.role === "admin";
      const remove = mayEdit ? keyflow.el("button", { type: "button", class: "link", text: "Delete", "aria-label": "Delete " + template.name }) : null;
      if (remove) remove.addEventListener("click", async () => {
        if (!confirm(`Delete the template "${template.name}"? Flows already started from it stay.`)) return;
        try { await keyflow.call("DELETE", `/api/v1/templates/${template.id}`); await show(); } catch (e) { alert(e.message); }
      });
      list.append(keyflow.el("li", { "data-template-id": template.id },
        keyflow.el("div", { class: "step-head" },
          keyflow.el("strong", { text: `${template.icon ? template.icon + " " : ""}${template.name}` }),
          keyflow.el("span", { class: "badge", text: template.access })),
        template.description ? keyflow.el("p", { class: "meta", text: template.description }) : null,
        keyflow.el("p", { class: "meta", text: `${template.actions.length} step(s): ${template.actions.map(a => a.title).join(" → ")}` }),
        keyflow.el("div", { class: "row" },
          keyflow.el("a", { class: "button", href: `/flows/new?template=${template.id}`, text: "Start flow" }),
          mayEdit ? keyflow.el("a", { class: "button secondary", href: `/templates/${template.id}`, text: "Edit" }) : null,
          remove)));
    }
  }
  await show();
})();
