"""The demo's conversions: orders after presale tickets, more often after the AI agent's."""

from __future__ import annotations

from tests.cortex.demo.conftest import Con, rows, scalar


def test_conversions_come_from_answered_presale_tickets_of_the_same_account(
    demo_con: Con,
) -> None:
    wrong = scalar(
        demo_con,
        """
        SELECT count(*) FROM conversions c LEFT JOIN tickets t USING (ticket_id)
        WHERE t.ticket_id IS NULL OR t.account_id <> c.account_id
           OR t.intent NOT IN ('product_question', 'discount_request')
           OR c.ordered_at < t.first_response_at OR c.influenced_by <> t.handled_by
           OR c.order_value <= 0
        """,
    )
    assert wrong == 0


def test_conversions_mostly_happen_on_the_day_of_the_ticket(demo_con: Con) -> None:
    same_day = scalar(
        demo_con,
        "SELECT avg((CAST(c.ordered_at AS DATE) = CAST(t.created_at AS DATE))::INTEGER) "
        "FROM conversions c JOIN tickets t USING (ticket_id)",
    )
    assert same_day >= 0.6


def test_ai_handled_presale_tickets_convert_at_about_twice_the_human_rate(demo_con: Con) -> None:
    rate = dict(
        rows(
            demo_con,
            """
            SELECT t.handled_by, count(c.ticket_id) / count(*)
            FROM tickets t LEFT JOIN (SELECT DISTINCT ticket_id FROM conversions) c
                USING (ticket_id)
            WHERE t.intent IN ('product_question', 'discount_request')
            GROUP BY 1
            """,
        )
    )
    assert 0.05 <= rate["human"] <= 0.2
    assert 1.6 <= rate["ai"] / rate["human"] <= 2.4
