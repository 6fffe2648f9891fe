"""Per-session folders: binding pages, resuming after a reload, TTL clean-up, and isolation between sessions."""

import os
import time

import pytest

from playground.sessions import SessionStore


@pytest.fixture
def store(tmp_path):
    return SessionStore(tmp_path / "sessions", ttl=60, downloads_root=tmp_path / "downloads")


def test_pages_get_their_own_sessions(store):
    a, resumed = store.attach("hash-a")
    assert not resumed and store.attach("hash-a") == (a, False)  # the same page keeps its session
    b, _ = store.attach("hash-b")
    assert a.id != b.id and a.folder != b.folder and a.resume_key != b.resume_key
    assert store.get("hash-a") is a and store.get("unknown") is None and store.get(None) is None
    assert store.ensure("hash-c").hashes == {"hash-c"}


def test_a_reloaded_page_resumes_with_its_key_and_only_with_it(store):
    a, _ = store.attach("page-1")
    store.release("page-1")  # the browser reloads: the old page's session ends...
    assert a.expires is not None
    again, resumed = store.attach("page-2", a.resume_key)  # ...and the new page presents the key
    assert resumed and again is a and a.expires is None and store.get("page-2") is a
    stranger, resumed = store.attach("page-3", "guessed-key")
    assert not resumed and stranger is not a
    forged, _ = store.attach("page-4", a.id)  # the folder id is not a key
    assert forged is not a


def test_ttl_cleanup_removes_files_but_never_a_running_job(store, tmp_path):
    a, _ = store.attach("a")
    (store.folder(a, "runs", "r1") / "weights.bin").write_bytes(b"x")
    store.folder(a).joinpath("x").write_text("x")
    a.downloads.mkdir(parents=True)
    (a.downloads / "model.zip").write_bytes(b"zip")
    deleted = []
    store.on_delete = deleted.append
    store.release("a")
    assert store.sweep() == 0 and a.folder.exists()  # still inside the TTL
    store.set_busy(a, True)
    assert store.sweep(now=time.time() + 3600) == 0 and a.folder.exists()  # a job is running
    store.set_busy(a, False)  # the job ended with no page open: a fresh TTL starts
    assert a.expires > time.time() + 30
    assert store.sweep(now=time.time() + 3600) == 1
    assert not a.folder.exists() and not a.downloads.exists() and deleted == [a]
    assert store.attach("new", a.resume_key)[0] is not a  # the key died with the session


def test_stale_folders_of_an_earlier_server_are_swept(store):
    old = store.root / "abcdefgh12345678"
    old.mkdir(parents=True)
    past = time.time() - 7200
    os.utime(old, (past, past))
    keep = store.root / "not a session id!"
    keep.mkdir()
    store.sweep()
    assert not old.exists() and keep.exists()


def test_ownership_checks(store, tmp_path):
    a, _ = store.attach("a")
    b, _ = store.attach("b")
    path = store.folder(a, "runs") / "x.zip"
    assert store.owns(a, path) and not store.owns(b, path)
    assert not store.owns(a, store.folder(a) / ".." / b.id)
    assert store.is_private(path) and store.is_private(b.downloads / "y.zip") and not store.is_private(tmp_path)


def test_one_folder_layout_and_one_privacy_check(tmp_path, monkeypatch):
    from playground import sessions
    from playground.models import _is_private

    monkeypatch.setenv("PLAYGROUND_CACHE", str(tmp_path / "default-cache"))
    store = SessionStore.from_env(tmp_path / "cache")
    a, _ = store.attach("page-a")
    a.model_run = "run12345678"
    # The run folder the UI writes, the one models loads from and the one the layout function names agree.
    assert store.run(a) == store.runs(a) / "run12345678" == sessions.run_dir(tmp_path / "cache", a.id, "run12345678")
    for path in (store.run(a), a.downloads, tmp_path / "default-cache" / "sessions" / "x"):
        assert sessions.is_private(path, tmp_path / "cache") and _is_private(path, tmp_path / "cache")
    assert store.is_private(store.run(a)) and not sessions.is_private(tmp_path / "cache" / "models")
    (tmp_path / "link").symlink_to(tmp_path / "cache" / "sessions")  # a symlink does not hide a session folder
    assert sessions.is_private(tmp_path / "link" / a.id, tmp_path / "cache")
    assert sessions.read_run_meta(store.run(a)) is None
    store.folder(a, sessions.RUNS, "run12345678")
    (store.run(a) / sessions.RUN_META).write_text('{"method": "lora"}', encoding="utf-8")
    assert sessions.read_run_meta(store.run(a)) == {"method": "lora"}


def test_ttl_from_env(tmp_path):
    assert SessionStore.from_env(tmp_path, {"PLAYGROUND_SESSION_TTL": "90"}).ttl == 90
    with pytest.raises(ValueError, match="PLAYGROUND_SESSION_TTL"):
        SessionStore.from_env(tmp_path, {"PLAYGROUND_SESSION_TTL": "soon"})


def test_engine_forgets_a_deleted_sessions_model_and_job(tmp_path, worker, llama_folder):
    from playground.config import Limits
    from playground.engine import Engine
    from playground.models import ModelRegistry, ModelSpec

    registry = ModelRegistry(max_models=4, device="cpu", dtype="float32", worker=worker, cache_root=tmp_path)
    engine = Engine(Limits(), registry)
    assert engine.sessions.root == tmp_path / "sessions"
    session, _ = engine.sessions.attach("page")
    stand_in = registry.get(ModelSpec("local", str(llama_folder)))
    fake = ModelSpec("session", session.id, "run12345678")
    registry._models[("fake",)] = type(stand_in)(fake, *[getattr(stand_in, f) for f in (
        "model", "tokenizer", "device", "dtype", "attn_implementation", "task", "load_seconds")])
    engine.sessions.delete(session)
    assert ("fake",) not in registry.loaded_keys() and registry.loaded_keys()  # only that session's model went
