from conftest import ADMIN, Api, seizure


def test_submit_and_sum(api: Api) -> None:
    api.operation()
    api.participant("ES")
    es = api.user("es-ncp", "ncp", "ES")
    r = api.put_return("ES", "2026-06-09", {"seizures": [seizure("A", 3)]}, es)
    assert r.status_code == 201, r.text
    assert api.summary()["objects_seized"] == 3
    r = api.client.get("/api/operations/PANDORA-X/completeness", headers=ADMIN)
    assert r.status_code == 200, r.text
