"""The engagement page over HTTP: empty before any training, then the card (the heuristic labelled as such
when the model does not win), people with reasons, profiles; refused to a teacher."""

from __future__ import annotations

from adapters.learning import SklearnLearner, SkopsStore
from domain.engagement import training
from domain.models import Role
from taskbell.engagement_history import plant
from tests.auxil.console import sign_in
from tests.auxil.web import client, make_deps


async def test_engagement_page(db, make_person, tmp_path):
    admin = make_person(Role.ADMIN, "Asha Admin")
    teacher = make_person(Role.TEACHER, "Tess Teacher")
    async with client(make_deps(db)) as http:
        await sign_in(http, db, admin)
        empty = await http.get("/admin/engagement")
        assert empty.status_code == 200 and 'id="eng-none"' in empty.text
        assert 'href="/admin/engagement"' in empty.text  # in the console's navigation

        plant(db, people=40, tasks_per_person=20, seed=11, signal=False, assigner_id=admin.id)
        result = training.train(db, SklearnLearner(), SkopsStore(tmp_path), "UTC")
        page = await http.get("/admin/engagement")
        assert page.status_code == 200
        text = page.text
        assert 'id="model-card"' in text and 'id="auc-baseline"' in text
        if not result.model_wins:
            assert "Showing the <strong>heuristic</strong>" in text
        assert "40 people scored" in text and "Synthetic" in text and "on time, last 30 days" in text
        assert 'id="eng-clusters"' in text
        assert text.count("<tr><td data-label=\"Person\">") + text.count('<tr class="warn"><td data-label="Person">') == 30
        everyone = (await http.get("/admin/engagement", params={"all": "1"})).text
        assert 'id="eng-all"' in text and 'id="eng-all"' not in everyone
        assert everyone.count('data-label="Person"') == 40

    async with client(make_deps(db)) as http:
        await sign_in(http, db, teacher)
        assert (await http.get("/admin/engagement")).status_code == 403
