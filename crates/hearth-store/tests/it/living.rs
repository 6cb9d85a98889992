//! Contract of the living-playlist and approval-queue port ([`hearth_store::DynamicStore`]).

use hearth_core::dynamic::{Added, LivingItem, RemovalReason, Removed, Section};
use hearth_core::ids::{PlaylistId, ProfileId, TrackId};
use hearth_core::model::*;
use hearth_store::{
    CandidateStatus, DynStore, NewCandidate, NewRefresh, RefreshKind, RestoreSource, StoreError,
};

const T0: i64 = 1_700_000_000_000;
const DAY: i64 = 86_400_000;

async fn tracks(store: &DynStore, n: usize) -> Vec<TrackId> {
    let mut out = Vec::new();
    for i in 0..n {
        let (id, _) = store
            .upsert_track(
                &TrackInput::new(format!("Artist {i}"), format!("Song {i}")),
                TrackOrigin::Library,
                T0,
            )
            .await
            .unwrap();
        out.push(id);
    }
    out
}

fn item(t: TrackId, section: Section) -> LivingItem {
    LivingItem {
        track_id: t,
        section,
        reasons: vec![format!("because {}", t.0)],
    }
}

fn refresh_of(items: Vec<LivingItem>, kind: RefreshKind) -> NewRefresh {
    NewRefresh {
        kind,
        added: items
            .iter()
            .map(|i| Added {
                track_id: i.track_id,
                section: i.section,
                reasons: i.reasons.clone(),
            })
            .collect(),
        removed: Vec::new(),
        items,
        budget: None,
        aggressiveness: 5,
        restored_from: None,
    }
}

crate::contract_tests!(
    living_playlist_refreshes_are_recorded_with_diffs,
    snapshots_freeze_the_exact_list_per_profile,
    cycling_aggressiveness_is_per_profile_and_validated,
    candidates_queue_order_verdicts_and_no_repeats,
    trial_counts_come_from_listens_since_the_trial_started,
);

async fn living_playlist_refreshes_are_recorded_with_diffs(store: DynStore) {
    let a = store.create_profile("a", None, T0).await.unwrap();
    let t = tracks(&store, 6).await;
    assert_eq!(store.living_playlist(a.id).await.unwrap(), None);
    let first: Vec<LivingItem> = vec![
        item(t[0], Section::Core),
        item(t[1], Section::Exploration),
        item(t[2], Section::Discovery),
    ];
    let r1 = store
        .save_refresh(a.id, &refresh_of(first.clone(), RefreshKind::Refresh), T0)
        .await
        .unwrap();
    let live = store.living_playlist(a.id).await.unwrap().unwrap();
    assert_eq!(live.items, first);
    assert_eq!((live.created_at, live.updated_at), (T0, T0));

    let second = vec![
        item(t[0], Section::Core),
        item(t[3], Section::Core),
        item(t[2], Section::Discovery),
    ];
    let mut r = refresh_of(second.clone(), RefreshKind::Refresh);
    r.added = vec![Added {
        track_id: t[3],
        section: Section::Core,
        reasons: vec!["new".into()],
    }];
    r.removed = vec![Removed {
        track_id: t[1],
        section: Section::Exploration,
        reason: RemovalReason::Outranked,
    }];
    r.budget = Some(15);
    let r2 = store.save_refresh(a.id, &r, T0 + DAY).await.unwrap();
    let live2 = store.living_playlist(a.id).await.unwrap().unwrap();
    assert_eq!(live2.items, second);
    assert_eq!(
        live2.playlist_id, live.playlist_id,
        "one living playlist row per profile"
    );
    assert_eq!((live2.created_at, live2.updated_at), (T0, T0 + DAY));

    let hist = store.refreshes(a.id, 10).await.unwrap();
    assert_eq!(
        hist.iter().map(|h| h.id).collect::<Vec<_>>(),
        vec![r2.id, r1.id]
    );
    assert_eq!(hist[0], r2);
    assert_eq!(hist[0].removed[0].reason, RemovalReason::Outranked);
    assert_eq!(hist[0].budget, Some(15));
    assert_eq!(
        store.get_refresh(a.id, r1.id).await.unwrap().unwrap().items,
        first
    );

    // Another profile sees neither the list nor the history.
    let b = store.create_profile("b", None, T0).await.unwrap();
    assert_eq!(store.living_playlist(b.id).await.unwrap(), None);
    assert!(store.refreshes(b.id, 10).await.unwrap().is_empty());
    assert_eq!(store.get_refresh(b.id, r1.id).await.unwrap(), None);

    // A rollback is itself a refresh, remembering what it restored.
    let mut back = refresh_of(first.clone(), RefreshKind::Rollback);
    back.restored_from = Some(RestoreSource::RefreshId(r1.id));
    let r3 = store.save_refresh(a.id, &back, T0 + 2 * DAY).await.unwrap();
    let got = store.get_refresh(a.id, r3.id).await.unwrap().unwrap();
    assert_eq!(got.kind, RefreshKind::Rollback);
    assert_eq!(got.restored_from, Some(RestoreSource::RefreshId(r1.id)));
    assert_eq!(
        store.living_playlist(a.id).await.unwrap().unwrap().items,
        first
    );

    // Unknown profile: not found, nothing written.
    let err = store
        .save_refresh(
            ProfileId(9999),
            &refresh_of(first, RefreshKind::Refresh),
            T0,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}

async fn snapshots_freeze_the_exact_list_per_profile(store: DynStore) {
    let a = store.create_profile("a", None, T0).await.unwrap();
    let b = store.create_profile("b", None, T0).await.unwrap();
    let t = tracks(&store, 300).await;
    // More than one insert chunk, in a non-sorted order.
    let list: Vec<LivingItem> = t
        .iter()
        .rev()
        .enumerate()
        .map(|(i, id)| item(*id, Section::ALL[i % 3]))
        .collect();
    let r = store
        .save_refresh(a.id, &refresh_of(list.clone(), RefreshKind::Refresh), T0)
        .await
        .unwrap();
    let s1 = store
        .save_snapshot(a.id, "Living a 2023-11", &list, Some(r.id), T0 + DAY)
        .await
        .unwrap();
    let s2 = store
        .save_snapshot(a.id, "Living a 2023-12", &list[..3], None, T0 + 31 * DAY)
        .await
        .unwrap();
    let snaps = store.snapshots(a.id).await.unwrap();
    assert_eq!(snaps.iter().map(|s| s.id).collect::<Vec<_>>(), vec![s2, s1]);
    assert_eq!(snaps[1].track_count, 300);
    assert_eq!(snaps[1].refresh_id, Some(r.id));
    assert_eq!(snaps[1].name, "Living a 2023-11");
    assert_eq!(snaps[0].refresh_id, None);
    assert_eq!(store.snapshot_items(a.id, s1).await.unwrap().unwrap(), list);
    assert_eq!(store.snapshot_items(b.id, s1).await.unwrap(), None);
    assert_eq!(
        store
            .snapshot_items(a.id, PlaylistId(424242))
            .await
            .unwrap(),
        None
    );
    // The living playlist itself is not a snapshot.
    let live = store.living_playlist(a.id).await.unwrap().unwrap();
    assert_eq!(
        store.snapshot_items(a.id, live.playlist_id).await.unwrap(),
        None
    );
    assert!(store.snapshots(b.id).await.unwrap().is_empty());
}

async fn cycling_aggressiveness_is_per_profile_and_validated(store: DynStore) {
    let a = store.create_profile("a", None, T0).await.unwrap();
    let b = store.create_profile("b", None, T0).await.unwrap();
    assert_eq!(store.cycling_aggressiveness(a.id).await.unwrap(), None);
    store.set_cycling_aggressiveness(a.id, 8, T0).await.unwrap();
    assert_eq!(store.cycling_aggressiveness(a.id).await.unwrap(), Some(8));
    assert_eq!(store.cycling_aggressiveness(b.id).await.unwrap(), None);
    for bad in [0, 11] {
        let err = store
            .set_cycling_aggressiveness(a.id, bad, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::InvalidInput { field, .. } if field == "aggressiveness"),
            "{err:?}"
        );
    }
    // Setting it before the first refresh, then refreshing, keeps it.
    let t = tracks(&store, 1).await;
    store
        .save_refresh(
            a.id,
            &refresh_of(vec![item(t[0], Section::Core)], RefreshKind::Refresh),
            T0,
        )
        .await
        .unwrap();
    assert_eq!(store.cycling_aggressiveness(a.id).await.unwrap(), Some(8));
    assert!(store.living_playlist(a.id).await.unwrap().is_some());
    assert_eq!(store.living_playlist(b.id).await.unwrap(), None);
    store.set_cycling_aggressiveness(b.id, 2, T0).await.unwrap();
    assert_eq!(
        store.living_playlist(b.id).await.unwrap(),
        None,
        "a setting alone is not a playlist"
    );
}

fn cand(t: TrackId, score: f64) -> NewCandidate {
    NewCandidate {
        track_id: t,
        source: "recommendation".into(),
        seed_track_id: None,
        predicted_score: Some(score),
        reasons: vec![format!("sounds like {}", t.0)],
    }
}

async fn candidates_queue_order_verdicts_and_no_repeats(store: DynStore) {
    let a = store.create_profile("a", None, T0).await.unwrap();
    let b = store.create_profile("b", None, T0).await.unwrap();
    let t = tracks(&store, 5).await;
    let n = store
        .add_candidates(
            a.id,
            &[cand(t[0], 0.5), cand(t[1], 0.9), cand(t[2], 0.7)],
            T0,
        )
        .await
        .unwrap();
    assert_eq!(n, 3);
    // The same track again (even from another source) is not queued twice.
    assert_eq!(
        store
            .add_candidates(a.id, &[cand(t[1], 0.1)], T0)
            .await
            .unwrap(),
        0
    );
    // Per profile.
    assert_eq!(
        store
            .add_candidates(b.id, &[cand(t[1], 0.1)], T0)
            .await
            .unwrap(),
        1
    );

    let next = store.next_candidate(a.id, 3).await.unwrap().unwrap();
    assert_eq!(next.track_id, t[1], "best predicted score first");
    assert_eq!(next.status, CandidateStatus::Pending);
    assert_eq!(next.source, "recommendation");
    assert_eq!(next.reasons, vec![format!("sounds like {}", t[1].0)]);
    assert_eq!(next.predicted_score, Some(0.9));

    // Skip: to the back of the queue.
    let skipped = store
        .set_candidate_status(next.id, CandidateStatus::Skipped, T0 + 1)
        .await
        .unwrap();
    assert_eq!(skipped.status, CandidateStatus::Skipped);
    assert_eq!(skipped.decided_at, Some(T0 + 1));
    assert_eq!(
        store
            .next_candidate(a.id, 3)
            .await
            .unwrap()
            .unwrap()
            .track_id,
        t[2]
    );

    // Reject: never again, even when re-suggested.
    let c2 = store.next_candidate(a.id, 3).await.unwrap().unwrap();
    store
        .set_candidate_status(c2.id, CandidateStatus::Rejected, T0 + 2)
        .await
        .unwrap();
    assert_eq!(
        store
            .add_candidates(a.id, &[cand(t[2], 0.99)], T0)
            .await
            .unwrap(),
        0
    );
    let c3 = store.next_candidate(a.id, 3).await.unwrap().unwrap();
    assert_eq!(c3.track_id, t[0]);
    store
        .set_candidate_status(c3.id, CandidateStatus::Approved, T0 + 3)
        .await
        .unwrap();
    // Only the skipped one is left.
    assert_eq!(
        store
            .next_candidate(a.id, 3)
            .await
            .unwrap()
            .unwrap()
            .track_id,
        t[1]
    );
    let open = store
        .candidates(a.id, &CandidateStatus::OPEN)
        .await
        .unwrap();
    assert_eq!(
        open.iter().map(|c| c.track_id).collect::<Vec<_>>(),
        vec![t[1]]
    );
    let approved = store
        .candidates(a.id, &[CandidateStatus::Approved])
        .await
        .unwrap();
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0].track_id, t[0]);
    assert_eq!(
        store.get_candidate(c3.id).await.unwrap().unwrap().status,
        CandidateStatus::Approved
    );
    assert_eq!(store.get_candidate(987_654).await.unwrap(), None);
    let err = store
        .set_candidate_status(987_654, CandidateStatus::Approved, T0)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    let s = store
        .set_candidate_status(skipped.id, CandidateStatus::Rejected, T0 + 4)
        .await
        .unwrap();
    assert_eq!(s.status, CandidateStatus::Rejected);
    assert_eq!(store.next_candidate(a.id, 3).await.unwrap(), None);
}

async fn trial_counts_come_from_listens_since_the_trial_started(store: DynStore) {
    let a = store.create_profile("a", None, T0).await.unwrap();
    let default = store.get_profile("default").await.unwrap().unwrap();
    let t = tracks(&store, 3).await;
    store
        .add_candidates(a.id, &[cand(t[0], 0.2), cand(t[1], 0.8)], T0)
        .await
        .unwrap();
    store
        .add_candidates(default.id, &[cand(t[0], 0.2)], T0)
        .await
        .unwrap();
    let listen = |profile: ProfileId, k: usize, ts: i64, skipped: bool| NewListen {
        skipped,
        dedup_key: Some(format!("{}-{k}-{ts}", profile.0)),
        ..crate::support::listen(profile, &format!("Artist {k}"), &format!("Song {k}"), ts)
    };
    // Before the trial: does not count.
    store
        .import_listens(&[listen(a.id, 0, T0 + DAY, false)])
        .await
        .unwrap();
    assert_eq!(
        store
            .start_trials(a.id, &[t[0], t[2]], T0 + 2 * DAY)
            .await
            .unwrap(),
        1
    );
    // Starting again keeps the original clock.
    assert_eq!(
        store
            .start_trials(a.id, &[t[0]], T0 + 5 * DAY)
            .await
            .unwrap(),
        0
    );
    store
        .import_listens(&[
            listen(a.id, 0, T0 + 3 * DAY, false),
            listen(a.id, 0, T0 + 3 * DAY + 1000, true),
            listen(a.id, 0, T0 + 4 * DAY, false),
            listen(default.id, 0, T0 + 4 * DAY, false), // another profile's listen
            listen(a.id, 1, T0 + 4 * DAY, false),       // not on trial
        ])
        .await
        .unwrap();
    store.update_trial_counts(a.id).await.unwrap();
    let all = store
        .candidates(a.id, &CandidateStatus::OPEN)
        .await
        .unwrap();
    let c0 = all.iter().find(|c| c.track_id == t[0]).unwrap();
    assert_eq!(c0.status, CandidateStatus::Trial);
    assert_eq!(c0.trial_started_at, Some(T0 + 2 * DAY));
    assert_eq!((c0.trial_plays, c0.trial_skips), (2, 1));
    let c1 = all.iter().find(|c| c.track_id == t[1]).unwrap();
    assert_eq!(
        (c1.status, c1.trial_plays, c1.trial_skips),
        (CandidateStatus::Pending, 0, 0)
    );
    // A verdict is due after 3 trial listens: that candidate comes first despite its lower score.
    let next = store.next_candidate(a.id, 3).await.unwrap().unwrap();
    assert_eq!(next.track_id, t[0]);
    let next = store.next_candidate(a.id, 4).await.unwrap().unwrap();
    assert_eq!(next.track_id, t[1]);
    // Listens without a profile belong to `default`.
    store
        .start_trials(default.id, &[t[0]], T0 + 2 * DAY)
        .await
        .unwrap();
    store.update_trial_counts(default.id).await.unwrap();
    let d = store.next_candidate(default.id, 3).await.unwrap().unwrap();
    assert_eq!((d.trial_plays, d.trial_skips), (1, 0));
}
