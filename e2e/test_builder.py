"""The Flow Builder: a template with a To-Do and a Jumio action built in the browser (the '{.}' picker, Exclude
Weekends, an attachment, drag and drop), then a flow started from it with the role bound to the client."""
import json
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from test_workspace_journey import SCREENSHOTS, sign_in, status_of

# HTML5 drag and drop, dispatched as the browser would: selenium's own drag does not fire these events.
DRAG = """
const [source, target, below] = arguments;
const data = new DataTransfer();
const box = target.getBoundingClientRect();
const clientY = below ? box.bottom - 2 : box.top + 2;
source.dispatchEvent(new DragEvent("dragstart", {dataTransfer: data, bubbles: true}));
target.dispatchEvent(new DragEvent("dragover", {dataTransfer: data, bubbles: true, cancelable: true, clientY}));
target.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true, clientY}));
source.dispatchEvent(new DragEvent("dragend", {dataTransfer: data, bubbles: true}));
"""


def api(base, method, path, token=None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(base + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def step_titles(browser):
    return browser.execute_script(
        "return [...document.querySelectorAll('#builder-steps li.step strong')].map(e => e.textContent)")


def saved(browser):
    return "All changes saved." in browser.find_element(By.ID, "save-status").text


def test_build_a_template_in_the_builder_and_start_a_flow_from_it(keyflow_demo, browser, tmp_path):
    wait = WebDriverWait(browser, 20)
    sign_in(browser, keyflow_demo, "admin@example.com")
    browser.get(keyflow_demo + "/templates")
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, "+ New template"))).click()

    # template settings first: name and the role the client will take
    wait.until(EC.element_to_be_clickable((By.ID, "open-settings"))).click()
    name = browser.find_element(By.ID, "settings-name")
    name.clear()
    name.send_keys("KYC onboarding")
    browser.find_element(By.ID, "settings-roles").send_keys("Client")
    browser.find_element(By.CSS_SELECTOR, "#settings button[type=submit]").click()
    wait.until(lambda b: b.find_element(By.ID, "builder-name").text == "KYC onboarding")
    assert "Add a step" in browser.find_element(By.ID, "save-status").text

    # a To-Do through '+', due in 3 days with weekends excluded, with an attachment
    browser.find_element(By.CSS_SELECTOR, 'button[aria-label="Add a step at position 1"]').click()
    browser.find_element(By.CSS_SELECTOR, '#type-menu [data-type="todo"]').click()
    wait.until(EC.visibility_of_element_located((By.ID, "af-title"))).send_keys("Send us your documents")
    browser.find_element(By.ID, "af-description").send_keys("Upload a recent utility bill.")
    checklist = tmp_path / "checklist.pdf"
    checklist.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    browser.find_element(By.ID, "af-file").send_keys(str(checklist))
    wait.until(lambda b: "checklist.pdf" in b.find_element(By.ID, "af-files").text)
    Select(browser.find_element(By.ID, "af-due")).select_by_value("3")
    browser.find_element(By.ID, "af-exclude-weekends").click()
    Select(browser.find_element(By.ID, "af-assignee")).select_by_value("role:Client")
    browser.find_element(By.ID, "af-submit").click()
    wait.until(saved)
    assert step_titles(browser) == ["1. Send us your documents"]
    template_id = browser.current_url.rstrip("/").split("/")[-1]

    # the Jumio action dragged from the palette below it; a missing secret is named at its field
    palette_jumio = browser.find_element(By.CSS_SELECTOR, '.palette-item[data-type="jumio"]')
    browser.execute_script(DRAG, palette_jumio, browser.find_element(By.CSS_SELECTOR, '.gap[data-position="2"]'), False)
    title = wait.until(EC.visibility_of_element_located((By.ID, "af-title")))
    assert Select(browser.find_element(By.ID, "af-type")).first_selected_option.get_attribute("value") == "jumio"
    title.send_keys("Verify your identity")
    description = browser.find_element(By.ID, "af-description")
    description.send_keys("Thanks for step ")
    browser.find_element(By.ID, "af-references").click()
    group = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, '#af-picker li.group[data-group="1. Send us your documents"]')))
    assert group.is_displayed()
    assert browser.find_elements(By.CSS_SELECTOR, '#af-picker [data-token="{{actions.2.title}}"]') == []
    browser.find_element(By.ID, "af-picker-filter").send_keys("title")
    browser.find_element(By.CSS_SELECTOR, '#af-picker [data-token="{{actions.1.title}}"]').click()
    assert description.get_attribute("value") == "Thanks for step {{actions.1.title}}"
    Select(browser.find_element(By.ID, "af-due")).select_by_value("7")
    browser.find_element(By.ID, "af-exclude-weekends").click()
    Select(browser.find_element(By.ID, "af-assignee")).select_by_value("role:Client")
    Select(browser.find_element(By.ID, "af-jumio-data-center")).select_by_value("SANDBOX")
    Select(browser.find_element(By.ID, "af-jumio-workflow")).select_by_value("idAndIdentityVerification")
    browser.find_element(By.ID, "af-jumio-client-id").send_keys("keyflow-demo")
    browser.find_element(By.ID, "af-submit").click()
    assert "client secret" in browser.find_element(By.CSS_SELECTOR, '#action-form [data-field="jumio.clientSecret"]').text
    browser.find_element(By.ID, "af-jumio-client-secret").send_keys("keyflow-demo-secret")
    browser.find_element(By.ID, "af-test-connection").click()
    wait.until(lambda b: "Jumio accepted these credentials" in b.find_element(By.ID, "af-test-connection-result").text)
    browser.save_screenshot(str(SCREENSHOTS / "builder-jumio-form.png"))
    browser.find_element(By.ID, "af-submit").click()
    wait.until(lambda b: step_titles(b) == ["1. Send us your documents", "2. Verify your identity"])
    wait.until(saved)

    # moving the Jumio step first would break its reference: refused, named, and the order stays
    browser.execute_script(DRAG, browser.find_element(By.CSS_SELECTOR, 'li.step[data-index="1"]'),
                           browser.find_element(By.CSS_SELECTOR, 'li.step[data-index="0"]'), False)
    wait.until(lambda b: "Step 1:" in b.find_element(By.ID, "builder-error").text)
    assert "only the 0 action(s) before this one" in browser.find_element(By.ID, "builder-error").text
    assert step_titles(browser) == ["1. Send us your documents", "2. Verify your identity"]

    # duplicate, reorder by dragging, delete
    browser.execute_script("arguments[0].click()", browser.find_element(By.CSS_SELECTOR, 'button[aria-label="Duplicate step 1"]'))
    wait.until(lambda b: step_titles(b)[1:2] == ["2. Send us your documents (copy)"])
    browser.execute_script(DRAG, browser.find_element(By.CSS_SELECTOR, 'li.step[data-index="1"]'),
                           browser.find_element(By.CSS_SELECTOR, 'li.step[data-index="2"]'), True)
    wait.until(lambda b: step_titles(b) == ["1. Send us your documents", "2. Verify your identity", "3. Send us your documents (copy)"])
    browser.execute_script("window.confirm = () => true")
    browser.execute_script("arguments[0].click()", browser.find_element(By.CSS_SELECTOR, 'button[aria-label="Delete step 3"]'))
    wait.until(lambda b: len(step_titles(b)) == 2)
    wait.until(saved)
    browser.save_screenshot(str(SCREENSHOTS / "builder.png"))

    # what was saved is what was built
    token = api(keyflow_demo, "POST", "/api/v1/sessions", body={"email": "admin@example.com", "password": "keyflow-demo"})["token"]
    template = api(keyflow_demo, "GET", f"/api/v1/templates/{template_id}", token)
    todo, jumio = template["actions"]
    assert template["name"] == "KYC onboarding" and template["roles"] == ["Client"]
    assert todo["due"] == {"kind": "days", "days": 3, "excludeWeekends": True}
    assert len(todo["attachments"]) == 1
    assert jumio["type"] == "jumio" and jumio["description"] == "Thanks for step {{actions.1.title}}"
    assert jumio["due"] == {"kind": "days", "days": 7, "excludeWeekends": True}
    assert jumio["jumio"]["clientSecretSet"] is True and "clientSecret" not in jumio["jumio"]
    assert jumio["jumio"]["workflowType"] == "idAndIdentityVerification"

    # start a flow from it: the role is bound to the demo client
    browser.get(keyflow_demo + "/templates")
    card = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, f'li[data-template-id="{template_id}"]')))
    browser.save_screenshot(str(SCREENSHOTS / "templates.png"))
    card.find_element(By.LINK_TEXT, "Start flow").click()
    name = wait.until(EC.visibility_of_element_located((By.ID, "flow-name")))
    name.clear()
    name.send_keys("KYC for Casey")
    Select(browser.find_element(By.ID, "role-0")).select_by_visible_text("Casey Client · client@example.com")
    browser.find_element(By.CSS_SELECTOR, "#start button[type=submit]").click()
    wait.until(lambda b: status_of(b, 1) == "active")
    assert browser.find_element(By.ID, "flow-name").text == "KYC for Casey"
    wait.until(lambda b: "checklist.pdf" in b.find_element(By.CSS_SELECTOR, "#steps > li:nth-child(1)").text)
    assert "Casey Client" in browser.find_element(By.CSS_SELECTOR, "#steps > li:nth-child(1)").text

    # the owner gives Casey a one-time sign-in link; Casey opens it and finds the assignment in the chat panel
    wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, 'button[aria-label="Sign-in link for Casey Client"]'))).click()
    link = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#magic-link input"))).get_attribute("value")
    assert "/magic/" in link
    browser.execute_script("sessionStorage.clear()")
    browser.get(link)
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, "KYC for Casey"))).click()
    wait.until(lambda b: "“Send us your documents” is assigned to Casey Client" in b.find_element(By.ID, "timeline").text)
    assert browser.find_elements(By.ID, "more") == [] or not browser.find_element(By.ID, "more").is_displayed()


def test_an_instant_flow_is_built_in_the_same_builder_and_started(keyflow_demo, browser):
    wait = WebDriverWait(browser, 20)
    sign_in(browser, keyflow_demo, "admin@example.com")
    browser.get(keyflow_demo + "/flows/new")
    # the palette adds at the end on a click (the keyboard's way in)
    wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, '.palette-item[data-type="acknowledgement"]'))).click()
    wait.until(EC.visibility_of_element_located((By.ID, "af-title"))).send_keys("Read the terms")
    Select(browser.find_element(By.ID, "af-assignee")).select_by_value("role:Client")
    browser.find_element(By.ID, "af-submit").click()
    wait.until(lambda b: step_titles(b) == ["1. Read the terms"])
    assert "Role: Client" in browser.find_element(By.CSS_SELECTOR, "li.step").text

    browser.find_element(By.ID, "open-settings").click()
    name = browser.find_element(By.ID, "settings-name")
    name.clear()
    name.send_keys("Terms for Casey")
    Select(browser.find_element(By.CSS_SELECTOR, "#settings-people .person-user")).select_by_visible_text("Casey Client (client)")
    browser.find_element(By.CSS_SELECTOR, "#settings button[type=submit]").click()
    browser.find_element(By.ID, "start-flow").click()
    wait.until(lambda b: status_of(b, 1) == "active")
    assert browser.find_element(By.ID, "flow-name").text == "Terms for Casey"
    assert "Casey Client" in browser.find_element(By.CSS_SELECTOR, "#steps > li:nth-child(1)").text
