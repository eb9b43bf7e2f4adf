// The workspace: the flow's steps, the chat panel fed live by the event stream, and the assignee's actions,
// the Jumio journey among them in the framed page.
(async () => {
  if (!keyflow.requireSignIn()) return;
  const flowID = document.querySelector("main").dataset.flowId;
  const me = keyflow.user();
  const steps = document.getElementById("steps");
  const timeline = document.getElementById("timeline");
  const verification = document.getElementById("verification");
  const frame = document.getElementById("jumio-frame");
  const status = document.getElementById("verification-status");
  let flow = null;
  let people = {};
  let journey = null; // { actionID, attemptID, origin }

  function dueBadge(action) {
    if (!action.dueAt || action.status !== "active") return null;
    if (action.overdue) return keyflow.el("span", { class: "badge overdue", text: "Overdue" });
    const due = new Date(action.dueAt);
    if (due.toDateString() === new Date().toDateString()) return keyflow.el("span", { class: "badge due-today", text: "Due today" });
    return keyflow.el("span", { class: "meta", text: "Due " + due.toLocaleDateString() });
  }

  function attemptSummary(action) {
    const attempts = (action.verification && action.verification.attempts) || [];
    const last = attempts[attempts.length - 1];
    if (!last) return null;
    const words = { started: "Verification started", submitted: "Verifying…", passed: "Verified",
      rejected: "Rejected", warning: "Warning", expired: "The link expired" };
    let text = `${words[last.status] || last.status} (attempt ${last.number})`;
    if (last.reasons && last.reasons.length) text += ": " + last.reasons.join("; ");
    return keyflow.el("p", { class: "meta attempt", text });
  }

  // What an internal user sees of a verification: every attempt with Jumio's reasons, what was extracted
  // (the document number masked), and for a WARNING or REJECTED result the choice to accept it or cancel.
  function ownerView(action) {
    if (action.type !== "jumio" || me.role === "client" || !action.verification) return null;
    const box = keyflow.el("div", { class: "owner-view" });
    const table = keyflow.el("table", { class: "attempts" });
    table.append(keyflow.el("tr", {}, ...["Attempt", "Result", "Reasons", "Risk"].map(h => keyflow.el("th", { text: h }))));
    for (const attempt of action.verification.attempts) {
      table.append(keyflow.el("tr", { "data-attempt-status": attempt.status },
        keyflow.el("td", { text: String(attempt.number) }), keyflow.el("td", { text: attempt.status + (attempt.label ? ` (${attempt.label})` : "") }),
        keyflow.el("td", { text: (attempt.reasons || []).join("; ") || "—" }),
        keyflow.el("td", { text: attempt.riskScore === undefined ? "—" : String(attempt.riskScore) })));
    }
    box.append(table);
    const shown = ["firstName", "lastName", "dateOfBirth", "documentType", "issuingCountry", "documentNumber"];
    const fields = shown.filter(name => action.outputs[name] !== undefined);
    if (fields.length) box.append(keyflow.el("p", { class: "meta", text: fields.map(name => `${name}: ${action.outputs[name]}`).join(" · ") }));
    const attempts = action.verification.attempts;
    const last = attempts[attempts.length - 1];
    if (action.status === "active" && last && (last.status === "warning" || last.status === "rejected")) {
      const accept = keyflow.el("button", { type: "button", text: "Accept result" });
      accept.addEventListener("click", async () => {
        const comment = prompt("Why is this result acceptable?");
        if (!comment) return;
        try { flow = await keyflow.call("POST", `/api/v1/actions/${action.id}/verification/accept`, { comment }); render(); }
        catch (e) { alert(e.message); }
      });
      const cancel = keyflow.el("button", { type: "button", class: "secondary", text: "Reject and cancel" });
      cancel.addEventListener("click", async () => {
        const reason = prompt("Why is the verification refused?");
        if (!reason) return;
        try { await act(action, "cancel", { reason }); } catch (e) { alert(e.message); }
      });
      box.append(accept, cancel);
    }
    if (action.verification.acceptanceComment) {
      box.append(keyflow.el("p", { class: "meta", text: "Accepted: " + action.verification.acceptanceComment }));
    }
    return box;
  }

  function actButtons(action) {
    const mine = action.status === "active" && action.assigneeId === me.id;
    if (!mine) return null;
    const box = keyflow.el("div", { class: "act" });
    const button = (label, handler, secondary) => {
      const b = keyflow.el("button", { type: "button", class: secondary ? "secondary" : "", text: label });
      b.addEventListener("click", async () => { b.disabled = true; try { await handler(); } catch (e) { alert(e.message); } finally { b.disabled = false; } });
      box.append(b);
    };
    if (action.type === "todo" || action.type === "acknowledgement") {
      button(action.type === "todo" ? "Mark complete" : "Acknowledge", () => act(action, "complete"));
    } else if (action.type === "approval") {
      button("Approve", () => act(action, "approve", {}));
      button("Reject", () => { const comment = prompt("Why?"); if (comment) return act(action, "reject", { comment }); }, true);
    } else if (action.type === "form") {
      const form = keyflow.el("form", { class: "answers" });
      for (const field of action.form.fields) {
        const id = "field-" + field.name;
        form.append(keyflow.el("label", { for: id, text: field.label }));
        const input = keyflow.el("input", { id, name: field.name, type: field.type === "number" ? "number" : field.type === "date" ? "date" : field.type === "checkbox" ? "checkbox" : "text" });
        if (field.required) input.required = true;
        form.append(input);
      }
      form.append(keyflow.el("button", { type: "submit", text: "Submit" }));
      form.addEventListener("submit", async event => {
        event.preventDefault();
        const answers = {};
        for (const field of action.form.fields) {
          const input = form.elements[field.name];
          if (field.type === "checkbox") answers[field.name] = input.checked;
          else if (input.value !== "") answers[field.name] = field.type === "number" ? Number(input.value) : input.value;
        }
        try { await act(action, "submit", { answers }); } catch (e) { alert(e.message); }
      });
      box.append(form);
    } else if (action.type === "jumio") {
      const attempts = (action.verification && action.verification.attempts) || [];
      const last = attempts[attempts.length - 1];
      const label = !last ? "Start Verification" : (last.status === "started" ? "Continue verification" : "Try again");
      if (!last || last.status !== "submitted") button(label, () => startVerification(action));
    }
    return box;
  }

  async function act(action, verb, body) {
    flow = await keyflow.call("POST", `/api/v1/actions/${action.id}/${verb}`, body);
    render();
  }

  /// Whether the page's Content-Security-Policy lets the journey at `href` load in the frame.
  function frameAllowed(href) {
    const url = new URL(href);
    if (url.origin === location.origin) return true;
    return document.querySelector("main").dataset.frameSources.split(" ").filter(Boolean).some(source => {
      const allowed = new URL(source.replace("*.", "wildcard."));
      if (allowed.protocol !== url.protocol) return false;
      return allowed.hostname.startsWith("wildcard.") ? url.hostname.endsWith(allowed.hostname.slice("wildcard".length)) : allowed.host === url.host;
    });
  }

  async function startVerification(action) {
    const started = await keyflow.call("POST", `/api/v1/actions/${action.id}/verification`, {});
    // An action added after this page loaded may use another data center: reload to get a policy admitting it.
    if (!frameAllowed(started.href)) { location.assign(`${location.pathname}?verify=${action.id}`); return; }
    journey = { actionID: action.id, attemptID: started.attemptId, origin: new URL(started.href).origin };
    verification.hidden = false;
    status.textContent = "Follow the steps below to verify your identity.";
    frame.hidden = false;
    frame.src = started.href;
  }

  // The journey's postMessage events: JSON strings, trusted only from the journey's own origin.
  window.addEventListener("message", async event => {
    if (!journey || event.origin !== journey.origin || typeof event.data !== "string") return;
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    const value = message.payload && message.payload.value;
    if (value === "success") {
      frame.hidden = true;
      frame.removeAttribute("src");
      status.textContent = "Verifying… this page updates by itself when Jumio has decided.";
      await keyflow.call("POST", `/api/v1/actions/${journey.actionID}/verification/submitted`, { attemptId: journey.attemptID }).catch(() => {});
    } else if (value === "error") {
      frame.hidden = true;
      const code = message.payload.metainfo && message.payload.metainfo.code;
      status.textContent = `The capture could not be completed (code ${code}). You can try again.`;
      await refresh();
    }
  });

  const files = {};

  /// The action's files by name; each downloads through the API with the session's token.
  function attachmentList(action) {
    if (!action.attachments.length) return null;
    const list = keyflow.el("ul", { class: "files" });
    for (const id of action.attachments) {
      const link = keyflow.el("a", { href: "#", "data-attachment": id, text: files[id] ? files[id].name : "Attachment" });
      if (!files[id]) keyflow.call("GET", `/api/v1/attachments/${id}/info`).then(info => { files[id] = info; link.textContent = info.name; }).catch(() => {});
      link.addEventListener("click", async (event) => {
        event.preventDefault();
        const response = await fetch(`/api/v1/attachments/${id}`, { headers: { Authorization: "Bearer " + keyflow.token() } });
        if (!response.ok) { alert("The file cannot be downloaded."); return; }
        const save = keyflow.el("a", { href: URL.createObjectURL(await response.blob()), download: files[id] ? files[id].name : "attachment" });
        save.click();
        URL.revokeObjectURL(save.href);
      });
      list.append(keyflow.el("li", {}, link));
    }
    return list;
  }

  /// The flow's people; an internal user can give a client a one-time sign-in link.
  function renderMembers() {
    if (me.role === "client") return;
    document.getElementById("members").hidden = false;
    const list = document.getElementById("member-list");
    list.replaceChildren();
    for (const member of flow.members) {
      const item = keyflow.el("li", {}, keyflow.el("span", { text: `${member.name || "Someone"}${member.role ? " · " + member.role : ""} ` }));
      const isClient = member.userId !== flow.ownerId && !internalIDs.has(member.userId);
      if (isClient) {
        const button = keyflow.el("button", { type: "button", class: "link", text: "Sign-in link", "aria-label": `Sign-in link for ${member.name}` });
        button.addEventListener("click", async () => {
          const out = document.getElementById("magic-link");
          try {
            const link = await keyflow.call("POST", `/api/v1/users/${member.userId}/magic-link`);
            out.replaceChildren(keyflow.el("span", { text: link.emailed ? `Emailed to ${member.email}. ` : "Give this one-time link to the client: " }),
              keyflow.el("input", { readonly: "", value: link.url, "aria-label": "Sign-in link", class: "link-box" }));
          } catch (e) { out.textContent = e.message; }
        });
        item.append(button);
      }
      list.append(item);
    }
  }

  function render() {
    document.getElementById("flow-name").textContent = flow.name;
    document.title = flow.name + " · Keyflow";
    steps.replaceChildren();
    for (const action of flow.actions) {
      const who = action.assigneeId ? (people[action.assigneeId] || "a member") : "nobody";
      const item = keyflow.el("li", { "data-action-id": action.id, "data-status": action.status },
        keyflow.el("div", { class: "step-head" },
          keyflow.el("strong", { text: `${action.position}. ${action.title}` }),
          keyflow.el("span", { class: "badge " + action.status, text: action.status })),
        keyflow.el("div", { class: "meta", text: `${action.type} · assigned to ${who}` }),
        action.description ? keyflow.el("p", { text: action.description }) : null,
        attachmentList(action), dueBadge(action), attemptSummary(action), ownerView(action), actButtons(action));
      steps.append(item);
    }
    const open = flow.actions.find(a => a.type === "jumio" && a.status === "active" && a.assigneeId === me.id);
    if (!open && journey) {
      const done = flow.actions.find(a => a.id === journey.actionID);
      status.textContent = done && done.status === "completed" ? "Your identity is verified. Thank you!" : status.textContent;
      journey = null;
    }
  }

  async function refresh() {
    flow = await keyflow.call("GET", `/api/v1/flows/${flowID}`);
    Object.assign(people, flow.names);
    people[me.id] = me.name;
    render();
    renderMembers();
  }

  function addEvent(event) {
    const item = keyflow.el("li", { class: event.kind === "message" ? "message" : "event", "data-kind": event.kind });
    const author = event.kind === "message" ? (people[event.actorId] || "Someone") + ": " : "";
    item.append(keyflow.el("span", { text: author + event.text }));
    item.append(keyflow.el("div", { class: "meta", text: new Date(event.at).toLocaleString() }));
    timeline.append(item);
    timeline.scrollTop = timeline.scrollHeight;
  }

  // Server-Sent Events over fetch, so the token goes in a header; reconnects resume after the last id.
  async function follow(lastID) {
    while (true) {
      try {
        const response = await fetch(`/api/v1/flows/${flowID}/events`, {
          headers: { Authorization: "Bearer " + keyflow.token(), "Last-Event-ID": String(lastID) } });
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        while (true) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const frameText = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frameText.split("\n").filter(l => l.startsWith("data: ")).map(l => l.slice(6)).join("\n");
            if (!data) continue;
            const event = JSON.parse(data);
            lastID = event.id;
            addEvent(event);
            if (event.kind !== "message") await refresh();
          }
        }
      } catch (e) { /* the connection dropped: reconnect below */ }
      await new Promise(resolve => setTimeout(resolve, 3000));
    }
  }

  document.getElementById("message-form").addEventListener("submit", async event => {
    event.preventDefault();
    const box = document.getElementById("message");
    if (!box.value.trim()) return;
    await keyflow.call("POST", `/api/v1/flows/${flowID}/messages`, { text: box.value });
    box.value = "";
  });

  const internalIDs = new Set(me.role === "client" ? [] : (await keyflow.call("GET", "/api/v1/users")).items.filter(u => u.role !== "client").map(u => u.id));
  await refresh();
  const resume = new URLSearchParams(location.search).get("verify");
  const resumed = resume && flow.actions.find(a => a.id === resume && a.status === "active" && a.assigneeId === me.id);
  if (resumed) startVerification(resumed).catch(e => { status.textContent = e.message; verification.hidden = false; });
  addAction.init(() => flow, updated => { flow = updated; render(); });
  const past = (await keyflow.call("GET", `/api/v1/flows/${flowID}/timeline`)).items;
  past.forEach(addEvent);
  follow(past.length ? past[past.length - 1].id : 0);
})();
