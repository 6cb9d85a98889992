//! `PlaylistStore` contract: save in one transaction, list newest first with counts, get joined.

use hearth_core::ids::{PlaylistId, ProfileId, TrackId};
use hearth_core::model::{TrackInput, TrackOrigin};
use hearth_store::{DynStore, NewPlaylist, NewPlaylistItem, PlaylistKind, StoreError};
use serde_json::json;

const T0: i64 = 1_700_000_000_000;

crate::contract_tests!(
    playlists_save_and_get_with_items_in_order,
    playlists_list_newest_first_with_counts_and_profile_filter,
    playlists_with_an_unknown_track_write_nothing,
    playlists_validate_name_and_profile,
);

async fn tracks(store: &DynStore, n: usize) -> Vec<TrackId> {
    let mut out = Vec::new();
    for i in 0..n {
        let mut t = TrackInput::new(format!("Artist {}", i % 3), format!("Song {i}"));
        t.duration_ms = Some(200_000 + i as i64);
        t.spotify_id = Some(format!("sp{i}"));
        out.push(
            store
                .upsert_track(&t, TrackOrigin::Library, T0)
                .await
                .unwrap()
                .0,
        );
    }
    out
}

fn playlist(profile: Option<ProfileId>, name: &str, at: i64, ids: &[TrackId]) -> NewPlaylist {
    NewPlaylist {
        profile_id: profile,
        name: name.into(),
        kind: PlaylistKind::Generated,
        params: json!({"total_tracks": ids.len(), "vibe": "calm"}),
        created_at: at,
        items: ids
            .iter()
            .enumerate()
            .map(|(i, id)| NewPlaylistItem {
                track_id: *id,
                reason: json!({"kind": if i % 2 == 0 { "known" } else { "discovery" }, "reasons": [format!("r{i}")]}),
            })
            .collect(),
    }
}

async fn playlists_save_and_get_with_items_in_order(store: DynStore) {
    let d = store.get_profile("default").await.unwrap().unwrap();
    let ids = tracks(&store, 5).await;
    // Items in a non-sorted track order, with a repeated track (positions differ).
    let order = vec![ids[3], ids[0], ids[4], ids[1], ids[0]];
    let id = store
        .save_playlist(&playlist(Some(d.id), "Evening", T0, &order))
        .await
        .unwrap();
    let got = store.get_playlist(id).await.unwrap().expect("saved");
    assert_eq!(got.summary.id, id);
    assert_eq!(got.summary.name, "Evening");
    assert_eq!(got.summary.profile.as_deref(), Some("default"));
    assert_eq!(got.summary.profile_id, Some(d.id));
    assert_eq!(got.summary.kind, PlaylistKind::Generated);
    assert_eq!(got.summary.params["vibe"], "calm");
    assert_eq!(got.summary.created_at, T0);
    assert_eq!(got.summary.item_count, 5);
    let positions: Vec<i64> = got.items.iter().map(|i| i.position).collect();
    assert_eq!(positions, vec![0, 1, 2, 3, 4]);
    let tids: Vec<TrackId> = got.items.iter().map(|i| i.track.id).collect();
    assert_eq!(tids, order);
    assert_eq!(got.items[0].track.title, "Song 3");
    assert_eq!(got.items[0].track.spotify_id.as_deref(), Some("sp3"));
    assert_eq!(got.items[0].track.duration_ms, Some(200_003));
    assert_eq!(got.items[1].reason["kind"], "discovery");
    assert_eq!(got.items[1].reason["reasons"][0], "r1");
    assert!(store
        .get_playlist(PlaylistId(id.0 + 1000))
        .await
        .unwrap()
        .is_none());
}

async fn playlists_list_newest_first_with_counts_and_profile_filter(store: DynStore) {
    let d = store.get_profile("default").await.unwrap().unwrap();
    let alice = store.create_profile("alice", None, T0).await.unwrap();
    let ids = tracks(&store, 4).await;
    let a = store
        .save_playlist(&playlist(Some(d.id), "old", T0, &ids[..1]))
        .await
        .unwrap();
    let b = store
        .save_playlist(&playlist(Some(alice.id), "new", T0 + 10, &ids))
        .await
        .unwrap();
    // Same timestamp as `b`: the higher id is newer.
    let c = store
        .save_playlist(&playlist(None, "guest", T0 + 10, &ids[..2]))
        .await
        .unwrap();
    let empty = store
        .save_playlist(&playlist(Some(d.id), "empty", T0 - 5, &[]))
        .await
        .unwrap();
    let all = store.list_playlists(None, 50).await.unwrap();
    let got: Vec<(PlaylistId, i64)> = all.iter().map(|p| (p.id, p.item_count)).collect();
    assert_eq!(got, vec![(c, 2), (b, 4), (a, 1), (empty, 0)]);
    assert_eq!(all[0].profile, None);
    assert_eq!(all[1].profile.as_deref(), Some("alice"));
    assert_eq!(store.list_playlists(None, 2).await.unwrap().len(), 2);
    let mine: Vec<PlaylistId> = store
        .list_playlists(Some(alice.id), 50)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(mine, vec![b]);
}

async fn playlists_with_an_unknown_track_write_nothing(store: DynStore) {
    let ids = tracks(&store, 2).await;
    let bad = vec![ids[0], TrackId(ids[1].0 + 999), ids[1]];
    match store.save_playlist(&playlist(None, "bad", T0, &bad)).await {
        Err(StoreError::NotFound { what }) => {
            assert!(what.contains(&(ids[1].0 + 999).to_string()), "{what}")
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(store.list_playlists(None, 10).await.unwrap().is_empty());
}

async fn playlists_validate_name_and_profile(store: DynStore) {
    let ids = tracks(&store, 1).await;
    match store.save_playlist(&playlist(None, "  ", T0, &ids)).await {
        Err(StoreError::InvalidInput { field, .. }) => assert_eq!(field, "name"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert!(matches!(
        store
            .save_playlist(&playlist(Some(ProfileId(424_242)), "x", T0, &ids))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.list_playlists(None, 10).await.unwrap().is_empty());
}
