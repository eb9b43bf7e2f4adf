"""The assignee's journey in the web app: sign in, see the assignment in the chat panel, verify inside the
embedded frame, and watch the action complete and the next step open without reloading."""
import json
import urllib.request
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def sign_in(browser, base, email):
    browser.get(base + "/sign-in")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys("keyflow-demo")
    browser.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
    # Look for the list only once the page has left the sign-in form: a lookup during the navigation itself
    # is aborted by the browser rather than answered "not yet".
    WebDriverWait(browser, 15).until(lambda driver: "/sign-in" not in driver.current_url)
    WebDriverWait(browser, 15).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#flows a")))


def submit_demo_form(browser):
    """The demo flow's first step: the client's details."""
    WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.ID, "field-firstName"))).send_keys("Casey")
    browser.find_element(By.ID, "field-lastName").send_keys("Client")
    browser.find_element(By.ID, "field-country").send_keys("Switzerland")
    browser.find_element(By.CSS_SELECTOR, "#steps form button[type=submit]").click()


def verify_in_frame(browser, outcome):
    """Walks the sandbox journey inside the workspace's frame and submits the chosen outcome."""
    wait = WebDriverWait(browser, 20)
    browser.switch_to.frame(wait.until(EC.visibility_of_element_located((By.ID, "jumio-frame"))))
    wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, 'section[data-step="document"] [data-next]'))).click()
    for name in ("front", "back", "selfie"):
        wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, f'section[data-step="{name}"] [data-capture]'))).click()
    Select(wait.until(EC.visibility_of_element_located((By.ID, "outcome")))).select_by_value(outcome)
    browser.find_element(By.ID, "submit").click()
    browser.switch_to.default_content()


def magic_link_for_demo_client(base):
    """What the inviting member does: sign in as the admin and ask for the client's one-time link."""
    def call(method, path, token=None, body=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        request = urllib.request.Request(base + path, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        with urllib.request.urlopen(request) as response:
            return json.load(response)
    admin = call("POST", "/api/v1/sessions", body={"email": "admin@example.com", "password": "keyflow-demo"})["token"]
    client = next(user for user in call("GET", "/api/v1/users", admin)["items"] if user["email"] == "client@example.com")
    return call("POST", f"/api/v1/users/{client['id']}/magic-link", admin)["url"]


def click_button(browser, label):
    """Clicks a step's button once it is there; the steps re-render as events arrive, so retry when stale."""
    def attempt(b):
        try:
            buttons = [button for button in b.find_elements(By.XPATH, f"//button[text()='{label}']") if button.is_enabled()]
            if not buttons:
                return False
            buttons[0].click()
            return True
        except StaleElementReferenceException:
            return False
    WebDriverWait(browser, 20).until(attempt)


def status_of(browser, position):
    """Read through script: the list is re-rendered as events arrive, so element handles go stale."""
    return browser.execute_script(
        f"const li = document.querySelector('#steps li:nth-child({position})'); return li && li.dataset.status")


def text_of(browser, position):
    return browser.execute_script(
        f"const li = document.querySelector('#steps li:nth-child({position})'); return li ? li.innerText : ''")


def test_client_verifies_inside_the_workspace_without_reloading(keyflow_demo, browser):
    wait = WebDriverWait(browser, 20)
    # the client signs in through the magic link the admin got for them
    browser.get(magic_link_for_demo_client(keyflow_demo))
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#flows a")))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.find_element(By.CSS_SELECTOR, "#flows a").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#steps li[data-status=active] form")))
    # the chat panel shows the assignment
    wait.until(lambda b: "is assigned to Casey Client" in b.execute_script("return document.getElementById('timeline').innerText"))
    submit_demo_form(browser)

    wait.until(lambda b: "Thanks Casey!" in text_of(b, 2))
    marker = browser.execute_script("window.__notReloaded = true; return true")
    click_button(browser, "Start Verification")
    frame = wait.until(EC.visibility_of_element_located((By.ID, "jumio-frame")))
    allow = frame.get_attribute("allow")
    assert "camera" in allow and "fullscreen" in allow
    browser.save_screenshot(str(SCREENSHOTS / "workspace-verification.png"))
    verify_in_frame(browser, "pass")

    # the action completes and the approval opens, pushed over the event stream: no reload
    wait.until(lambda b: status_of(b, 2) == "completed")
    wait.until(lambda b: status_of(b, 3) == "active")
    assert browser.execute_script("return window.__notReloaded === true") is marker
    wait.until(lambda b: "verified Casey Client's identity" in b.execute_script("return document.getElementById('timeline').innerText"))
    assert "Your identity is verified" in browser.find_element(By.ID, "verification-status").text
    browser.save_screenshot(str(SCREENSHOTS / "workspace-verified.png"))
    # on a phone's width the chat panel goes below the steps
    browser.set_window_size(390, 844)
    steps, chat = (browser.find_element(By.ID, "steps").rect, browser.find_element(By.ID, "chat-title").rect)
    assert chat["y"] > steps["y"] and browser.execute_script("return document.documentElement.scrollWidth") <= 390
    browser.save_screenshot(str(SCREENSHOTS / "workspace-phone.png"))


def test_a_rejected_attempt_is_explained_and_try_again_succeeds(keyflow_demo, browser):
    wait = WebDriverWait(browser, 20)
    sign_in(browser, keyflow_demo, "client@example.com")
    browser.find_element(By.CSS_SELECTOR, "#flows a").click()
    submit_demo_form(browser)

    click_button(browser, "Start Verification")
    verify_in_frame(browser, "reject:FAKE")
    wait.until(lambda b: "Rejected (attempt 1)" in text_of(b, 2))
    assert "FAKE" in text_of(browser, 2)
    click_button(browser, "Try again")
    verify_in_frame(browser, "pass")
    wait.until(lambda b: status_of(b, 2) == "completed")


def test_the_owner_sees_a_warning_with_its_reasons_and_accepts_it(keyflow_demo, browser):
    wait = WebDriverWait(browser, 20)
    sign_in(browser, keyflow_demo, "client@example.com")
    browser.find_element(By.CSS_SELECTOR, "#flows a").click()
    submit_demo_form(browser)
    click_button(browser, "Start Verification")
    verify_in_frame(browser, "warning:DIFFERENT_PERSON")
    wait.until(lambda b: "Warning (attempt 1)" in text_of(b, 2))

    browser.execute_script("sessionStorage.clear()")
    sign_in(browser, keyflow_demo, "admin@example.com")
    browser.find_element(By.CSS_SELECTOR, "#flows a").click()
    wait.until(lambda b: "imageChecks: WARNING: DIFFERENT_PERSON" in text_of(b, 2))
    browser.save_screenshot(str(SCREENSHOTS / "owner-warning.png"))
    browser.execute_script("window.prompt = () => 'the client showed their passport in our branch'")
    click_button(browser, "Accept result")
    wait.until(lambda b: status_of(b, 2) == "completed")
    assert "Accepted: the client showed their passport in our branch" in text_of(browser, 2)


def test_an_owner_adds_a_jumio_action_to_the_running_flow(keyflow_demo, browser):
    wait = WebDriverWait(browser, 20)
    sign_in(browser, keyflow_demo, "admin@example.com")
    browser.find_element(By.CSS_SELECTOR, "#flows a").click()
    wait.until(lambda b: status_of(b, 1) == "active")
    wait.until(EC.element_to_be_clickable((By.ID, "more"))).click()
    browser.find_element(By.ID, "add-action").click()
    browser.find_element(By.CSS_SELECTOR, '#type-menu [data-type="jumio"]').click()
    places = [b.get_attribute("data-position") for b in browser.find_elements(By.CSS_SELECTOR, ".add-here")]
    assert places == ["2", "3", "4"]
    browser.find_element(By.CSS_SELECTOR, '.add-here[data-position="2"]').click()
    title = wait.until(EC.visibility_of_element_located((By.ID, "af-title")))
    assert Select(browser.find_element(By.ID, "af-type")).first_selected_option.get_attribute("value") == "jumio"
    title.send_keys("Verify the second ID")
    # the '{.}' picker offers what step 1 produces, since the new step stands after it
    browser.find_element(By.ID, "af-references").click()
    wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, '#af-picker [data-token="{{actions.1.outputs.firstName}}"]'))).click()
    assert browser.find_element(By.ID, "af-description").get_attribute("value") == "{{actions.1.outputs.firstName}}"
    Select(browser.find_element(By.ID, "af-assignee")).select_by_value("role:Client")
    Select(browser.find_element(By.ID, "af-jumio-data-center")).select_by_value("SANDBOX")
    Select(browser.find_element(By.ID, "af-jumio-workflow")).select_by_value("idVerification")
    browser.find_element(By.ID, "af-jumio-client-id").send_keys("demo-client")
    browser.find_element(By.ID, "af-jumio-client-secret").send_keys("demo-secret")
    browser.find_element(By.ID, "af-test-connection").click()
    wait.until(lambda b: "Jumio accepted these credentials" in b.find_element(By.ID, "af-test-connection-result").text)
    browser.save_screenshot(str(SCREENSHOTS / "add-jumio-action.png"))
    browser.find_element(By.ID, "af-submit").click()
    wait.until(lambda b: "Verify the second ID" in text_of(b, 2))
    assert status_of(browser, 2) == "pending"
    assert "jumio" in text_of(browser, 2)
    assert browser.execute_script("return document.querySelectorAll('#steps > li').length") == 4
    assert not browser.find_element(By.ID, "action-form").is_displayed()
