// A client's one-time sign-in link: trade the token in the address for a session, then go to the workspaces.
(async () => {
  const token = location.pathname.split("/").pop();
  const error = document.getElementById("magic-error");
  try {
    const response = await fetch("/api/v1/sessions/magic-link", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token })
    });
    const data = await response.json();
    if (!response.ok) { error.textContent = data.error.message; return; }
    sessionStorage.setItem("keyflow.token", data.token);
    sessionStorage.setItem("keyflow.user", JSON.stringify(data.user));
    window.location.replace("/flows");
  } catch (e) {
    error.textContent = "Keyflow could not be reached; try the link again.";
  }
})();
