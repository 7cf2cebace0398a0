"""News subscription with one-click unsubscribe (RFC 8058), and choosing online courses."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Course, Customer, Enrollment
from tests.factories import PASSWORD
from tests.portal.mailbox import deliver, only_message_to


def signed_in(client, email):
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_opt_in_news_mail_carries_list_unsubscribe_and_one_click_works(smtp, app, client, make, tmp_path):
    customer = make.customer(email="ann@example.com")
    make.customer(email="quiet@example.com")  # never subscribed
    signed_in(client, "ann@example.com")
    assert client.post("/account/subscriptions", data={"news": "y"}).status_code == 302
    db.session.refresh(customer)
    assert customer.news_subscribed

    body = tmp_path / "news.txt"
    body.write_text("New course: phishing in 10 minutes.\n\nSee you there.")
    result = app.test_cli_runner().invoke(args=["send-news", "--subject", "November news", str(body)])
    assert result.exit_code == 0, result.output
    assert "Queued the news for 1 subscriber(s)." in result.output
    message = only_message_to(deliver(smtp), "ann@example.com")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://portal.example.com/unsubscribe/")
    assert url in message.get_body(("plain",)).get_content()

    path = url[len("http://portal.example.com"):]
    anonymous = app.test_client()  # a mail client: no session, no CSRF token
    assert "Unsubscribe ann@example.com" in anonymous.get(path).text
    response = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "will no longer receive the news" in response.text
    db.session.refresh(customer)
    assert not customer.news_subscribed
    assert anonymous.get(path[:-2] + "xx").status_code == 404  # tampered token


def test_subscription_page_opts_out(client, make):
    customer = make.customer(email="ann@example.com", news_subscribed=True)
    signed_in(client, "ann@example.com")
    assert 'checked' in client.get("/account/subscriptions").text
    client.post("/account/subscriptions", data={"submit": "Save my choice"})  # box unticked
    db.session.refresh(customer)
    assert not customer.news_subscribed


def test_customers_choose_and_leave_published_courses(client, make):
    make.customer(email="ann@example.com")
    published = Course(title="Phishing basics", summary="Spot a fake page.", is_published=True)
    draft = Course(title="Draft course", summary="Not yet.", is_published=False)
    db.session.add_all([published, draft])
    db.session.commit()
    signed_in(client, "ann@example.com")
    page = client.get("/courses")
    assert "Phishing basics" in page.text and "Draft course" not in page.text
    assert client.post(f"/courses/{published.id}/choose").status_code == 302
    client.post(f"/courses/{published.id}/choose")  # a double click changes nothing
    assert db.session.scalar(select(func.count(Enrollment.id))) == 1
    assert "Leave “Phishing basics”" in client.get("/courses").text
    refused = client.post(f"/courses/{draft.id}/choose", follow_redirects=True)
    assert "This course is not offered." in refused.text
    client.post(f"/courses/{published.id}/leave")
    assert db.session.scalar(select(func.count(Enrollment.id))) == 0
    client.post("/logout")
    assert client.get("/courses").headers["Location"].startswith("/login")


def test_staff_maintain_the_catalogue_in_the_console(client, console, make):
    staff = make.staff("support")
    console.login(staff.email, PASSWORD)
    response = client.post("/console/courses/new/", data={"title": "Ransomware 101", "summary": "Backups first.",
                                                           "duration_minutes": "45", "is_published": "y"})
    assert response.status_code == 302
    course = db.session.scalar(select(Course))
    assert (course.title, course.duration_minutes, course.is_published) == ("Ransomware 101", 45, True)
    duplicate = client.post("/console/courses/new/", data={"title": "Ransomware 101", "summary": "Again"},
                            follow_redirects=True)
    assert "Already exists." in duplicate.text  # beside the title field
    assert "Ransomware 101" in client.get("/console/courses/").text
    analyst = make.staff("analyst")
    console.logout()
    console.login(analyst.email, PASSWORD)
    assert client.get("/console/courses/").status_code == 200
    assert client.post("/console/courses/new/", data={"title": "X", "summary": "Y"}).status_code in (302, 403)
    assert db.session.scalar(select(func.count(Course.id))) == 1
    assert db.session.scalar(select(func.count(Customer.id))) == 0
