"""The sandbox's web journey in a real browser: framed, it talks to its parent through postMessage; alone, it
redirects to the success URL."""
import json
import urllib.parse
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import jumio_account


def walk_journey(browser, outcome):
    wait = WebDriverWait(browser, 15)
    wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, 'section[data-step="document"] [data-next]'))).click()
    for step in ("front", "back", "selfie"):
        buttons = browser.find_elements(By.CSS_SELECTOR, f'section[data-step="{step}"] [data-capture]')
        if buttons and buttons[0].is_displayed():
            buttons[0].click()
    Select(wait.until(EC.visibility_of_element_located((By.ID, "outcome")))).select_by_value(outcome)
    browser.find_element(By.ID, "submit").click()


def messages(browser):
    return [json.loads(entry["data"]) for entry in browser.execute_script("return window.received")]


def test_framed_journey_posts_loaded_then_success_to_the_parent(sandbox, parent_page, browser):
    account, _ = jumio_account(sandbox, key=3)
    href = account["web"]["href"]
    browser.get(parent_page + "?src=" + urllib.parse.quote(href, safe=""))
    browser.switch_to.frame("journey")
    # with the fake camera granted, the capture steps show live video, not the placeholder
    WebDriverWait(browser, 15).until(EC.element_to_be_clickable((By.CSS_SELECTOR, 'section[data-step="document"] [data-next]'))).click()
    WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.CSS_SELECTOR, 'section[data-step="front"] video'))
    browser.find_element(By.CSS_SELECTOR, 'section[data-step="front"] [data-capture]').click()
    browser.find_element(By.CSS_SELECTOR, 'section[data-step="back"] [data-capture]').click()
    WebDriverWait(browser, 15).until(EC.element_to_be_clickable((By.CSS_SELECTOR, 'section[data-step="selfie"] [data-capture]'))).click()
    Select(WebDriverWait(browser, 15).until(EC.visibility_of_element_located((By.ID, "outcome")))).select_by_value("pass")
    browser.find_element(By.ID, "submit").click()
    browser.switch_to.default_content()

    WebDriverWait(browser, 15).until(lambda b: len(b.execute_script("return window.received")) >= 2)
    events = messages(browser)
    assert [event["payload"]["value"] for event in events] == ["loaded", "success"]
    for event in events:
        assert event["eventType"] == 510
        assert event["workflowExecutionId"] == account["workflowExecution"]["id"]
        assert event["accountId"] == account["account"]["id"]
        assert event["customerInternalReference"] == "e2e-1"
        assert event["dateTime"].endswith("Z")
    origins = {entry["origin"] for entry in browser.execute_script("return window.received")}
    assert origins == {sandbox}
    with urllib.request.urlopen(sandbox + "/status") as response:
        assert json.load(response)["status"] == "UP"


def test_framed_journey_reports_a_capture_failure_with_its_code(sandbox, parent_page, browser):
    account, _ = jumio_account(sandbox, key=2, reference="e2e-error")
    browser.get(parent_page + "?src=" + urllib.parse.quote(account["web"]["href"], safe=""))
    browser.switch_to.frame("journey")
    walk_journey(browser, "error")
    browser.switch_to.default_content()
    WebDriverWait(browser, 15).until(lambda b: len(b.execute_script("return window.received")) >= 2)
    error = messages(browser)[-1]
    assert error["payload"] == {"value": "error", "metainfo": {"code": 9835}}


def test_unframed_journey_redirects_to_the_success_url_with_jumios_parameters(sandbox, parent_page, browser):
    landing = parent_page + "done"
    account, _ = jumio_account(sandbox, key=2, reference="e2e-redirect", success_url=landing)
    browser.get(account["web"]["href"])
    walk_journey(browser, "pass")
    WebDriverWait(browser, 15).until(lambda b: b.current_url.startswith(landing))
    query = urllib.parse.parse_qs(urllib.parse.urlparse(browser.current_url).query)
    assert query["acquisitionStatus"] == ["SUCCESS"]
    assert query["workflowExecutionId"] == [account["workflowExecution"]["id"]]
    assert query["accountId"] == [account["account"]["id"]]
    assert query["customerInternalReference"] == ["e2e-redirect"]
