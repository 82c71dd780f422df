//! Helpers for stores that write batches.

use std::collections::HashMap;

use crate::ids::TenantId;

/// `items` grouped by tenant: tenants in order of first appearance, each with its items in
/// their given order. For stores that write a batch one statement per tenant (a per-tenant
/// session setting, a tenant-first key) yet must keep each tenant's order.
///
/// ```
/// use watercooler_core::TenantId;
/// use watercooler_core::store::group_by_tenant;
///
/// let items = vec![
///     (TenantId::new("b"), 1),
///     (TenantId::new("a"), 2),
///     (TenantId::new("b"), 3),
/// ];
/// let groups = group_by_tenant(&items, |(tenant, _)| tenant);
/// let shape: Vec<(&str, Vec<i32>)> = groups
///     .iter()
///     .map(|(t, items)| (t.as_str(), items.iter().map(|(_, n)| *n).collect()))
///     .collect();
/// assert_eq!(shape, vec![("b", vec![1, 3]), ("a", vec![2])]);
/// ```
pub fn group_by_tenant<'a, T>(
    items: &'a [T],
    tenant: impl Fn(&'a T) -> &'a TenantId,
) -> Vec<(&'a TenantId, Vec<&'a T>)> {
    let mut groups: Vec<(&TenantId, Vec<&T>)> = Vec::new();
    let mut index: HashMap<&TenantId, usize> = HashMap::new();
    for item in items {
        let t = tenant(item);
        let i = *index.entry(t).or_insert_with(|| {
            groups.push((t, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(item);
    }
    groups
}
