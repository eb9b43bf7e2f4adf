(async () => {
  if (!keyflow.requireSignIn()) return;
  const list = document.getElementById("flows");
  const flows = (await keyflow.call("GET", "/api/v1/flows")).items;
  if (flows.length === 0) list.append(keyflow.el("li", { text: "No workspaces yet." }));
  for (const flow of flows) {
    const link = keyflow.el("a", { href: "/flows/" + flow.id, text: flow.name });
    const next = flow.activeAction ? "Now: " + flow.activeAction.title : "Status: " + flow.status;
    list.append(keyflow.el("li", {}, link, keyflow.el("div", { class: "meta", text: `${flow.completedActions} of ${flow.totalActions} done · ${next}` })));
  }
})();
