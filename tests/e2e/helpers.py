"""What the browser journeys share."""
from tests.factories import TEST_PASSWORD


def sign_in(page, username, password=TEST_PASSWORD):
    """Sign in through the login page (as a fresh browser: earlier cookies cleared) and wait for the home page."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form button[type=submit]")
    page.get_by_test_id("home-title").wait_for()
