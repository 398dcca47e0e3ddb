//! Create → get → update → list → delete through the typed API, for every
//! entity; and every foreign key's on-delete rule, observed.

use vrooli_model::entities::*;
use vrooli_model::rules::Check;
use vrooli_model::{ColumnType, Entity, OnDelete, Timestamp, Value};
use vrooli_store::{ListQuery, Order, Store};

use crate::support::*;

/// Changes one column of a stored row in a way every rule still allows.
fn modify(store: &mut Store, values: &mut [Value], table: &'static vrooli_model::TableDef) -> &'static str {
    for (i, column) in table.columns.iter().enumerate() {
        if column.primary_key || table.foreign_key_of(column.name).is_some() || column.auto_updated {
            continue;
        }
        match (column.ty, &values[i]) {
            (ColumnType::Boolean, Value::Integer(b)) => {
                values[i] = Value::Integer(1 - b);
                return column.name;
            }
            (ColumnType::Enum(e), Value::Text(v)) if e.values.len() > 1 => {
                values[i] = Value::Text(e.values.iter().find(|x| *x != v).unwrap().to_string());
                return column.name;
            }
            (ColumnType::Float, Value::Real(f)) => {
                values[i] = Value::Real(f + 1.0);
                return column.name;
            }
            _ => {}
        }
    }
    for (i, column) in table.columns.iter().enumerate() {
        if column.primary_key || table.foreign_key_of(column.name).is_some() || column.auto_updated {
            continue;
        }
        if let (ColumnType::Int | ColumnType::BigInt, Value::Integer(n)) = (column.ty, &values[i]) {
            values[i] = Value::Integer(if *n == 1 { 2 } else { 1 });
            return column.name;
        }
    }
    for (i, column) in table.columns.iter().enumerate() {
        let plain = column.checks.iter().all(|c| matches!(c, Check::MaxLength(_) | Check::MinLength(_)));
        let keyed = column.unique || table.uniques.iter().any(|u| u.columns.contains(&column.name));
        if column.ty == ColumnType::String && !column.list && plain && !keyed && column.max_length.unwrap_or(64) >= 7 {
            values[i] = Value::Text("changed".into());
            return column.name;
        }
    }
    // Only references: point one at another parent.
    for (i, column) in table.columns.iter().enumerate() {
        if let (Some(fk), false) = (table.foreign_key_of(column.name), values[i].is_null()) {
            let parent_table = vrooli_model::table(fk.references_table).unwrap();
            let parent = store.write(|w| make_row(w, parent_table, &[], 0)).unwrap();
            values[i] = parent[parent_table.column_index(fk.references_columns[0]).unwrap()].clone();
            return column.name;
        }
    }
    panic!("{}: nothing to modify", table.name);
}

fn roundtrip<E: Entity + Clone + PartialEq + std::fmt::Debug>(store: &mut Store) {
    let table = E::TABLE;
    let name = table.name;
    let mut row = store.write(|w| build_row(w, table, &[], 0)).unwrap();
    // Typed rows carry an unset timestamp where the store stamps the time.
    for (column, value) in table.columns.iter().zip(row.iter_mut()) {
        if value.is_null() && !column.nullable && column.ty == ColumnType::DateTime {
            *value = Value::Text(Timestamp::UNSET.to_string());
        }
    }
    let entity = E::from_values(row).unwrap();

    let created = store.insert(entity).unwrap_or_else(|e| panic!("{name}: create: {e}"));
    let id = created.id();
    assert!(id > 0, "{name}: id assigned");
    let fetched: E = store.get(id).unwrap().unwrap_or_else(|| panic!("{name}: get after create"));
    assert_eq!(fetched, created, "{name}: get returns what create stored");

    let mut values = fetched.clone().into_values();
    let changed = modify(store, &mut values, table);
    let updated = store.update(E::from_values(values).unwrap()).unwrap_or_else(|e| panic!("{name}: update: {e}"));
    let refetched: E = store.get(id).unwrap().unwrap();
    assert_eq!(refetched, updated, "{name}: get returns what update stored");
    assert_ne!(refetched, fetched, "{name}: update of {changed} changed the row");
    let i = table.column_index(changed).unwrap();
    assert_eq!(refetched.clone().into_values()[i], updated.clone().into_values()[i]);
    if let Some(u) = table.column_index("updatedAt") {
        let before = fetched.clone().into_values()[u].clone();
        let after = refetched.clone().into_values()[u].clone();
        assert!(after.as_str() >= before.as_str(), "{name}: updatedAt moves forward");
    }
    if let Some(c) = table.column_index("createdAt") {
        assert_eq!(fetched.clone().into_values()[c], refetched.clone().into_values()[c], "{name}: createdAt kept");
    }

    let page = store.list::<E>(&ListQuery::default().filter("id", Value::Integer(id))).unwrap();
    assert_eq!(page.items, vec![refetched], "{name}: list finds it");
    assert!(!page.has_next_page);

    store.delete::<E>(id).unwrap_or_else(|e| panic!("{name}: delete: {e}"));
    assert!(store.get::<E>(id).unwrap().is_none(), "{name}: gone after delete");
    let again = store.delete::<E>(id).unwrap_err();
    assert_eq!(again.code(), "not_found", "{name}: deleting twice");
}

#[test]
fn every_entity_round_trips_through_the_typed_api() {
    let (_dir, mut store) = temp_store();
    let mut covered = 0;
    macro_rules! check {
        ($ty:ident, $table:literal) => {
            roundtrip::<$ty>(&mut store);
            covered += 1;
        };
    }
    vrooli_model::for_each_entity!(check);
    assert_eq!(covered, 66);
}

#[test]
fn list_pages_in_a_stable_order_with_cursors() {
    let (_dir, mut store) = temp_store();
    let chat = insert_valid(&mut store, "chat")[0].as_i64().unwrap();
    let messages: Vec<ChatMessage> = (0..45)
        .map(|i| ChatMessage { chat_id: chat, language: "en".into(), text: format!("m{i}"), ..Default::default() })
        .collect();
    let stored = store.insert_all(messages).unwrap();
    let mut ids: Vec<i64> = stored.iter().map(|m| m.id).collect();
    ids.reverse();

    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = store
            .list::<ChatMessage>(&ListQuery::default().filter("chatId", Value::Integer(chat)).after(cursor))
            .unwrap();
        pages += 1;
        assert!(page.items.len() <= 20, "default page size is 20");
        seen.extend(page.items.iter().map(|m| m.id));
        assert_eq!(page.has_next_page, page.next_cursor.is_some());
        if !page.has_next_page {
            break;
        }
        cursor = page.next_cursor;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids, "newest first, each row once");
    let bad = store.list::<ChatMessage>(&ListQuery::default().after(Some("abc".into()))).unwrap_err();
    assert_eq!(bad.code(), "invalid_cursor");

    // Oldest first walks the same rows the other way.
    let oldest = store
        .list::<ChatMessage>(
            &ListQuery::default().filter("chatId", Value::Integer(chat)).order(Order::OldestFirst).limit(45),
        )
        .unwrap();
    let mut forward: Vec<i64> = oldest.items.iter().map(|m| m.id).collect();
    forward.reverse();
    assert_eq!(forward, ids);
}

/// "The newest messages of a chat" is served by the (chatId, createdAt) index
/// in order: no temporary sort, whatever the chat's size.
#[test]
fn newest_messages_of_a_chat_need_no_sort() {
    let (_dir, store) = temp_store();
    for cursor in [None, Some("2025-01-01T00:00:00.000000Z_5".to_string())] {
        let query = ListQuery::default().filter("chatId", Value::Integer(1)).limit(50).after(cursor);
        let plan = store.list_plan("chat_message", &query).unwrap().join(" | ");
        assert!(plan.contains("idx_chat_message_chatId_createdAt"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}

/// For each foreign key: a child pointing at a parent, then the parent
/// deleted — Cascade removes the child, SetNull clears the reference.
#[test]
fn every_foreign_key_on_delete_rule_is_observed() {
    let (_dir, mut store) = temp_store();
    let mut checked = 0;
    for table in vrooli_model::TABLES {
        for fk in table.foreign_keys {
            let column = fk.columns[0];
            let child = store
                .write(|w| make_row(w, table, &[column], 0))
                .unwrap_or_else(|e| panic!("{}.{column}: {e}", table.name));
            let child_id = child[0].as_i64().unwrap();
            let col = table.column_index(column).unwrap();
            let parent_table = vrooli_model::table(fk.references_table).unwrap();
            let key_col = parent_table.column_index(fk.references_columns[0]).unwrap();
            let parent_key = child[col].clone();
            // Find the parent row by the referenced key (usually its id; tags by name).
            let parent_id = store
                .list_rows(
                    parent_table.name,
                    &ListQuery::default().filter(parent_table.columns[key_col].name, parent_key),
                )
                .unwrap()
                .items[0][0]
                .as_i64()
                .unwrap();
            if parent_table.name == table.name && parent_id == child_id {
                continue;
            }
            store.write(|w| w.delete_row(parent_table, parent_id)).unwrap();
            let after = store.get_row(table.name, child_id).unwrap();
            match fk.on_delete {
                OnDelete::Cascade => assert!(after.is_none(), "{}.{column}: cascade deletes the child", table.name),
                OnDelete::SetNull => {
                    let row = after.unwrap_or_else(|| panic!("{}.{column}: set null keeps the child", table.name));
                    assert!(row[col].is_null(), "{}.{column}: set null clears it", table.name);
                }
                OnDelete::Restrict => unreachable!("the catalogue has no RESTRICT keys"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 144);
}
