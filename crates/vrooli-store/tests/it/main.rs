//! Integration tests of the store: one binary, one module per concern.

mod support;

mod smoke {
    use crate::support::*;

    #[test]
    fn opens_and_counts() {
        let (_dir, store) = temp_store();
        let counts = store.row_counts().unwrap();
        assert_eq!(counts.len(), 66);
        assert!(counts.iter().all(|c| c.rows == 0));
    }
}
