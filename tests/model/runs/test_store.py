"""The runs folder: runs listed oldest first, damaged folders listed and left alone, delete
through a restorable trash, models kept within a size bound."""

from __future__ import annotations

import os

import pytest
from support_runs import kept, record

from cnn_studio.model.runs.record import MODEL_FILE, RECORD_FILE, RunError
from cnn_studio.model.runs.store import RunStore, runs_dir


@pytest.fixture
def store(tmp_path) -> RunStore:
    return RunStore(tmp_path / "runs")


def test_the_runs_folder_follows_the_app_home(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path))
    assert runs_dir() == tmp_path / "data" / "runs"
    assert RunStore().entries() == []


def test_runs_are_listed_oldest_first_and_ids_never_collide(store):
    late = kept(store, id="same", created="2026-12-07T12:00:00Z")
    early = kept(store, id="same", created="2026-12-07T09:00:00Z")
    assert (late.id, early.id) == ("same", "same-2")
    assert [e.id for e in store.entries()] == ["same-2", "same"]
    assert store.read("same-2").created == "2026-12-07T09:00:00Z"


def test_a_name_with_odd_characters_makes_a_plain_folder(store):
    made = kept(store, id="../My net: v2/..")
    assert (store.root / made.id).parent == store.root
    assert store.read(made.id).id == made.id


def test_damaged_and_foreign_folders_are_listed_and_left_alone(store):
    good = kept(store, id="good")
    (store.root / "empty").mkdir()
    (store.root / "garbled").mkdir()
    (store.root / "garbled" / RECORD_FILE).write_text("{ broken")
    (store.root / "other").mkdir()
    (store.root / "other" / RECORD_FILE).write_text('{"format": "something-else"}')
    (store.root / "stray.txt").write_text("hello")
    (store.root / "bad name!").mkdir()
    os.symlink(store.root / "good", store.root / "link")
    (store.root / ".trash").mkdir()  # hidden: the trash is not a run
    entries = {e.id: e for e in store.entries()}
    assert entries["good"].record.id == good.id
    problems = {name: entries[name].problem for name in entries if name != "good"}
    assert "no readable run.json" in problems["empty"]
    assert "not readable JSON" in problems["garbled"]
    assert "not a CNN Studio run record" in problems["other"]
    assert "not a run folder" in problems["stray.txt"] and "not a run folder" in problems["link"]
    assert "not a run folder name" in problems["bad name!"]
    assert all("left as it is" in text for text in problems.values())
    assert set(os.listdir(store.root)) == {"good", "empty", "garbled", "other", "stray.txt",
                                           "bad name!", "link", ".trash"}
    with pytest.raises(RunError, match="damaged run.json"):
        store.read("garbled")


def test_a_huge_record_is_refused_without_reading_it(store, monkeypatch):
    from cnn_studio.model.runs import store as store_module

    made = kept(store)
    monkeypatch.setattr(store_module, "MAX_RECORD_BYTES", 100)
    assert "too large" in store.entry(made.id).problem


@pytest.mark.parametrize("bad", ["../x", "", "a/b", ".hidden", "x" * 200])
def test_bad_ids_are_refused(store, bad):
    with pytest.raises(RunError, match="not a run id"):
        store.read(bad)


def test_rename_and_note_are_kept(store):
    made = kept(store)
    store.update(made.id, name="  first   try ", note="lr too high?")
    again = store.read(made.id)
    assert (again.name, again.note) == ("first try", "lr too high?")
    with pytest.raises(RunError, match="cannot be empty"):
        store.update(made.id, name="   ")


def test_a_running_run_cannot_be_changed_or_deleted(store):
    made = kept(store, status="running", pid=os.getpid(),
                host=__import__("socket").gethostname())
    with pytest.raises(RunError, match="still training"):
        store.update(made.id, name="x")
    with pytest.raises(RunError, match="still training"):
        store.trash(made.id)


def test_delete_goes_through_a_trash_that_can_be_restored(store):
    made = kept(store)
    store.trash(made.id)
    assert store.entries() == []
    store.restore(made.id)
    assert [e.id for e in store.entries()] == [made.id]
    store.delete(made.id)
    assert store.entries() == [] and not (store.root / ".trash" / made.id).exists()
    with pytest.raises(RunError, match="not in the trash"):
        store.restore(made.id)
    with pytest.raises(RunError, match="no run"):
        store.delete(made.id)


def test_a_damaged_folder_is_deleted_only_when_named(store):
    (store.root).mkdir()
    (store.root / "junk").mkdir()
    store.delete("junk")
    assert not (store.root / "junk").exists()


def test_models_of_the_oldest_runs_go_first_beyond_the_bound(store):
    ids = []
    for hour in range(3):
        made = kept(store, id=f"r{hour}", created=f"2026-12-07T0{hour}:00:00Z",
                    model_file=MODEL_FILE)
        (store.root / made.id / MODEL_FILE).write_bytes(b"x" * 1000)
        ids.append(made.id)
    assert store.keep_models_within(2500, keep="r0") == ["r1"]
    assert store.model_path("r1") is None and "removed" in store.read("r1").model_note
    assert store.model_path("r0") is not None and store.model_path("r2") is not None
    assert store.read("r1").metrics == record().metrics  # the figures stay


def test_a_listing_reads_only_the_records_that_changed(store, monkeypatch):
    kept(store, id="one")
    kept(store, id="two")
    first = {e.id: e for e in store.entries()}
    store.update("two", name="renamed")
    (store.root / "one" / RECORD_FILE).unlink()  # damaged since the last listing
    reads = []
    real_entry = RunStore.entry
    monkeypatch.setattr(RunStore, "entry",
                        lambda self, run_id: reads.append(run_id) or real_entry(self, run_id))
    again = {e.id: e for e in store.entries()}
    assert sorted(reads) == ["one", "two"]
    assert again["two"].record.name == "renamed" and again["one"].record is None
    kept(store, id="three")
    reads.clear()
    third = {e.id: e for e in store.entries()}
    # the folder without a record is looked at again (cheap); unchanged records are reused
    assert sorted(reads) == ["one", "three"] and third["two"] is again["two"]
    assert first["two"] is not again["two"]
