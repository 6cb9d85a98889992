//! Property test: arbitrary buffers never panic and never produce NaN/inf.

use hearth_audio::{analyze_samples, Attributes};
use proptest::prelude::*;

fn sample() -> impl Strategy<Value = f32> {
    prop_oneof![
        8 => -1.0f32..1.0,
        1 => any::<f32>(), // includes NaN, ±inf, subnormals and huge values
        1 => Just(f32::NAN),
        1 => prop_oneof![Just(f32::INFINITY), Just(f32::NEG_INFINITY), Just(f32::MAX), Just(0.0)],
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_buffers_give_finite_descriptors(
        samples in prop::collection::vec(sample(), 0..100_000),
        rate in prop_oneof![Just(22_050u32), Just(44_100), Just(48_000), Just(8_000), 1u32..200_000],
    ) {
        let d = analyze_samples(&samples, rate);
        let v = d.to_vector();
        prop_assert!(v.iter().all(|x| x.is_finite()));
        prop_assert!(d.raw_vector().iter().all(|x| x.is_finite()));
        let json = serde_json::to_string(&d).unwrap();
        prop_assert!(!json.contains("null"), "{}", json);
        let a = Attributes::from_descriptor(&d);
        for x in [a.energy, a.danceability, a.acousticness, a.brightness] {
            prop_assert!((0.0..=1.0).contains(&x));
        }
    }
}
