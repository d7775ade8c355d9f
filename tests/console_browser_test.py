#!/usr/bin/python3
"""The web console in a real browser: headless Chromium, driven by Selenium
through chromedriver, against `vdc serve` on loopback serving two example
VDCs onto an embedded datacenter. Signs in (a wrong token is refused), sees
the VDCs, opens one, sees a resource drifted outside vdc marked, switches to
Japanese, presses sync as an operator and watches the apply's progress
arrive, and as a viewer finds no button to press. Screenshots go to
SHOTS (docs/images/ keeps the ones the docs show).

Usage: console_browser_test.py VDC SOURCE_DIR SHOTS"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import yaml
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

vdc, source, shots = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(shots, exist_ok=True)
for old in os.listdir(shots):
    if old.endswith(".png"):
        os.remove(os.path.join(shots, old))


def new_token():
    out = subprocess.run([vdc, "serve", "--new-token"], check=True, capture_output=True, text=True).stdout
    return out.split("token:")[1].split()[0], out.split("sha256:")[1].split()[0]


def start_server(scratch):
    log = open(os.path.join(scratch, "serve.log"), "w+")
    server = subprocess.Popen([vdc, "serve", "--config", "serve.yaml"], cwd=scratch, stdout=log, stderr=log)
    for _ in range(300):
        log.seek(0)
        found = re.search(r"serving \d+ VDCs on http://127\.0\.0\.1:(\d+)", log.read())
        if found:
            return server, int(found.group(1)), log
        if server.poll() is not None:
            break
        time.sleep(0.1)
    log.seek(0)
    sys.exit("vdc serve did not start:\n" + log.read())


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,1400", "--lang=en-US"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def sign_in(driver, port, token):
    driver.get(f"http://127.0.0.1:{port}/")  # the root leads to the console
    wait = WebDriverWait(driver, 30)
    field = wait.until(ready.visibility_of_element_located((By.ID, "token")))
    field.clear()
    field.send_keys(token)
    driver.find_element(By.ID, "sign-in-button").click()


def text(driver, selector):
    return driver.find_element(By.CSS_SELECTOR, selector).text


def check(condition, message):
    if not condition:
        sys.exit("console test: " + message)


with tempfile.TemporaryDirectory() as scratch:
    shutil.copytree(os.path.join(source, "examples", "webshop"), os.path.join(scratch, "webshop"))
    (operator, operator_hash), (viewer, viewer_hash) = new_token(), new_token()
    with open(os.path.join(scratch, "tokens.yaml"), "w") as out:
        yaml.safe_dump({"apiVersion": "vdc/v1", "kind": "ServeTokens", "tokens": [
            {"name": "otto", "sha256": operator_hash, "roles": {"*": "operator"}},
            {"name": "vera", "sha256": viewer_hash, "roles": {"webshop": "viewer"}}]}, out)
    with open(os.path.join(scratch, "serve.yaml"), "w") as out:
        # An hour between reconciles: what changes, changes because the test says so.
        yaml.safe_dump({"apiVersion": "vdc/v1", "kind": "ServeConfig", "spec": {
            "listen": "127.0.0.1:0", "tokens": "tokens.yaml", "state": "state",
            "vdcs": [{"name": "webshop", "directory": "webshop", "interval": "1h"},
                     {"name": "intranet", "directory": os.path.join(source, "examples", "gitops", "vdc"),
                      "interval": "1h"}]}}, out)
    server, port, log = start_server(scratch)
    driver = None
    try:
        driver = browser()
        wait = WebDriverWait(driver, 60)

        # A token that is not one of the file's is refused.
        sign_in(driver, port, "0" * 64)
        wait.until(ready.text_to_be_present_in_element((By.ID, "sign-in-error"), "This token is not accepted."))
        driver.save_screenshot(os.path.join(shots, "console-sign-in.png"))

        # The operator sees both VDCs, each applied and Ready.
        sign_in(driver, port, operator)
        for name in ("webshop", "intranet"):
            wait.until(ready.text_to_be_present_in_element((By.CSS_SELECTOR, f'#vdcs tr[data-vdc="{name}"]'), "Ready"))
        check(len(driver.find_elements(By.CSS_SELECTOR, "#vdcs tbody tr")) == 2, "the operator sees two VDCs")

        # Drift made outside vdc: web-0 gets 6 vCPUs in the datacenter itself.
        sim = os.path.join(scratch, "state", "sim.xml")
        xml = open(sim).read()
        at = xml.index("<name>webshop.web-0</name>")
        vcpu = xml.index("<vcpu placement='static'>2</vcpu>", at)
        with open(sim + ".new", "w") as out:
            out.write(xml[:vcpu] + "<vcpu placement='static'>6</vcpu>" + xml[vcpu + len("<vcpu placement='static'>2</vcpu>"):])
        os.replace(sim + ".new", sim)

        driver.find_element(By.LINK_TEXT, "webshop").click()
        drifted = '#resources tr[data-address="Instance/web-0"]'
        wait.until(ready.text_to_be_present_in_element((By.CSS_SELECTOR, drifted), "drifted: cpus"))
        check("drifted" in driver.find_element(By.CSS_SELECTOR, drifted).get_attribute("class"),
              "the drifted row is marked")
        check(text(driver, drifted + " td.sync") == "out of sync", "web-0 shows out of sync")
        wait.until(ready.text_to_be_present_in_element((By.ID, "plan"), "~ Instance/web-0 (drift)"))
        check("cpus: 6 -> 2" in text(driver, "#plan"), "the plan shows the field that drifted")
        wait.until(lambda d: d.find_element(By.ID, "graph").get_attribute("naturalWidth") not in (None, "0"))
        check(len(driver.find_elements(By.CSS_SELECTOR, "#history tbody tr")) >= 1, "the history has the first apply")
        driver.save_screenshot(os.path.join(shots, "console-vdc.png"))

        # Japanese, from the catalogue, kept across a reload.
        driver.find_element(By.ID, "language").click()
        wait.until(ready.text_to_be_present_in_element((By.CSS_SELECTOR, drifted), "ドリフト: cpus"))
        check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja", "the page says it is Japanese")
        check(text(driver, drifted + " td.sync") == "未同期", "the sync column is in Japanese")
        check(driver.find_element(By.ID, "action-sync").text == "今すぐ同期", "the sync button is in Japanese")
        check(text(driver, "#progress") == "次の適用を待っています…", "the progress list is in Japanese")
        driver.save_screenshot(os.path.join(shots, "console-vdc-ja.png"))
        driver.refresh()
        wait.until(ready.text_to_be_present_in_element((By.CSS_SELECTOR, "#detail h3"), "進行状況"))
        driver.find_element(By.ID, "language").click()
        wait.until(ready.text_to_be_present_in_element((By.CSS_SELECTOR, "#detail h3"), "Live progress"))

        # A new network in the manifests, applied by pressing sync: its
        # operation's progress arrives over the event stream.
        with open(os.path.join(scratch, "webshop", "extra.yaml"), "w") as out:
            out.write("apiVersion: vdc/v1\nkind: Network\nmetadata: {name: extra}\n"
                      "spec: {cidr: 10.10.9.0/24, mode: isolated}\n")
        driver.find_element(By.ID, "action-sync").click()
        wait.until(ready.text_to_be_present_in_element((By.ID, "action-message"), "Sync requested."))
        wait.until(lambda d: any(li.text.startswith("Network/extra: created") for li in
                                 d.find_elements(By.CSS_SELECTOR, "#progress li.progress-operation.finished")))
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, '#resources tr[data-address="Network/extra"]')))
        driver.save_screenshot(os.path.join(shots, "console-progress.png"))

        # A viewer of webshop alone: one VDC, and no button to press.
        driver.find_element(By.ID, "sign-out").click()
        sign_in(driver, port, viewer)
        wait.until(ready.text_to_be_present_in_element((By.CSS_SELECTOR, '#vdcs tr[data-vdc="webshop"]'), "webshop"))
        check(len(driver.find_elements(By.CSS_SELECTOR, "#vdcs tbody tr")) == 1, "the viewer sees one VDC")
        driver.find_element(By.LINK_TEXT, "webshop").click()
        wait.until(ready.visibility_of_element_located((By.ID, "viewer-only")))
        check(not driver.find_elements(By.CSS_SELECTOR, "#actions button"), "a viewer is offered no action")
        # A viewer reads all a VDC shows: its resources, with the new network.
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, '#resources tr[data-address="Network/extra"]')))
        wait.until(lambda d: d.find_element(By.ID, "graph").get_attribute("naturalWidth") not in (None, "0"))
        # And the API refuses the call the button would make.
        status = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch('/api/v1/vdcs/webshop/sync', {method: 'POST', headers: {Authorization: 'Bearer ' + arguments[0]}})"
            ".then(r => done(r.status));", viewer)
        check(status == 403, f"the viewer's sync answered {status}")
        driver.save_screenshot(os.path.join(shots, "console-viewer.png"))
        print(f"console: signed in, drift marked, Japanese, sync progress and the viewer's refusal checked in Chromium; "
              f"screenshots in {shots}")
    except Exception:
        if driver:
            driver.save_screenshot(os.path.join(shots, "console-failure.png"))
            print(driver.page_source[:4000], file=sys.stderr)
        log.seek(0)
        print(log.read()[-4000:], file=sys.stderr)
        raise
    finally:
        if driver:
            driver.quit()
        server.terminate()
        server.wait(timeout=60)
