//! What the service holds: registered users and each user's friends, with every field the
//! request carried.
//!
//! Held lean, since an import of millions of edges lives here: every user id is stored once
//! (its number in `Ids`, the text in one buffer), a relation is one 64-bit key in a set and one
//! number in its owner's list, and a relation's fields are kept as their JSON text, only when
//! there are any.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::ops::Range;

use imspec_runtime::{Code, Direction, StateLimits};
use indexmap::IndexMap;
use serde_json::{Map, Value};

/// A user's number in [`Ids`].
type Id = u32;

/// The fields stored with a relation: the JSON text of the object, `None` when empty.
type Stored = Option<Box<str>>;

/// A relation, `owner → friend`, as one key.
fn pair(owner: Id, friend: Id) -> u64 {
    (u64::from(owner) << 32) | u64::from(friend)
}

/// Every user id the service has seen, each stored once in one buffer and known by its number.
#[derive(Default)]
struct Ids {
    text: String,
    /// Where each id ends in `text` (it starts where the one before ends).
    ends: Vec<usize>,
    index: hashbrown::HashTable<Id>,
    hasher: RandomState,
}

impl std::fmt::Debug for Ids {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ids({} users)", self.ends.len())
    }
}

impl Ids {
    fn name(&self, id: Id) -> &str {
        name_in(&self.text, &self.ends, id)
    }

    fn get(&self, user: &str) -> Option<Id> {
        self.index.find(self.hasher.hash_one(user), |&id| self.name(id) == user).copied()
    }

    fn intern(&mut self, user: &str) -> Id {
        if let Some(id) = self.get(user) {
            return id;
        }
        let id = self.ends.len() as Id;
        self.text.push_str(user);
        self.ends.push(self.text.len());
        let (text, ends, hasher) = (&self.text, &self.ends, &self.hasher);
        self.index.insert_unique(hasher.hash_one(user), id, |&other| hasher.hash_one(name_in(text, ends, other)));
        id
    }
}

/// The id numbered `id` in a buffer and its ends.
fn name_in<'a>(text: &'a str, ends: &[usize], id: Id) -> &'a str {
    let i = id as usize;
    let start = if i == 0 { 0 } else { ends.get(i - 1).copied().unwrap_or(0) };
    ends.get(i).and_then(|&end| text.get(start..end)).unwrap_or("")
}

/// One vendor's users and friend lists.
#[derive(Debug, Default)]
pub struct Graph {
    ids: Ids,
    registered: HashSet<Id>,
    /// Every relation held, `owner → friend`.
    held: HashSet<u64>,
    /// Each user's friends, in the order they were added (lists page by it).
    order: HashMap<Id, Vec<Id>>,
    /// The fields stored with a relation, for those that carried any.
    fields: HashMap<u64, Box<str>>,
    /// Users who confirm each friend request (registered with `confirm`).
    confirming: HashSet<Id>,
    /// User → requested friend → stored fields, awaiting the other side's confirmation.
    pending: HashMap<Id, IndexMap<Id, Stored>>,
    /// User → group name → how many of the user's friends are in it (a counted group limit
    /// is checked in time proportional to the new friend's groups, not to the friend list).
    groups: HashMap<Id, HashMap<Box<str>, u64>>,
}

fn store(fields: &Map<String, Value>) -> Stored {
    (!fields.is_empty()).then(|| serde_json::to_string(fields).unwrap_or_default().into_boxed_str())
}

fn fields_of(stored: Option<&str>) -> Map<String, Value> {
    stored.and_then(|text| serde_json::from_str(text).ok()).unwrap_or_default()
}

/// The limits in force for one API: the documented ones, with a configured friend limit.
#[derive(Debug, Clone, Copy)]
pub struct Limits<'a> {
    pub state: &'a StateLimits,
    /// Replaces the documented friends-per-user maximum (and the peer's).
    pub friends_override: Option<u64>,
}

impl Limits<'_> {
    fn friends_max(&self) -> Option<(u64, &Code)> {
        let l = self.state.friends_per_user.as_ref()?;
        Some((self.friends_override.or(l.max)?, &l.code))
    }

    fn peer_max(&self) -> Option<(u64, &Code)> {
        let l = self.state.peer_friends_per_user.as_ref()?;
        Some((self.friends_override.or(l.max)?, &l.code))
    }

    /// The code of the whole call when the requester is already at the limit.
    pub fn full(&self, graph: &Graph, requester: &str) -> Option<Code> {
        let l = self.state.friends_per_user.as_ref()?;
        let max = self.friends_override.or(l.max)?;
        (graph.count(requester) as u64 >= max).then(|| l.full_code.clone()).flatten()
    }
}

/// What adding one friend came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// Stored now.
    New,
    /// Stored before; nothing changed.
    Already,
    /// Refused with this code.
    Refused(Code),
}

impl Graph {
    fn id(&self, user: &str) -> Option<Id> {
        self.ids.get(user)
    }

    pub fn is_registered(&self, user: &str) -> bool {
        self.id(user).is_some_and(|id| self.registered.contains(&id))
    }

    pub fn register(&mut self, user: &str) {
        let id = self.ids.intern(user);
        self.registered.insert(id);
    }

    /// Marks a user as confirming every friend request.
    pub fn confirm_requests(&mut self, user: &str) {
        let id = self.ids.intern(user);
        self.confirming.insert(id);
    }

    pub fn confirms(&self, user: &str) -> bool {
        self.id(user).is_some_and(|id| self.confirming.contains(&id))
    }

    /// A user's requests awaiting confirmation, as (id, fields); `None` when there are none.
    pub fn pending(&self, user: &str) -> Option<Vec<(&str, Map<String, Value>)>> {
        let requested = self.id(user).and_then(|id| self.pending.get(&id)).filter(|p| !p.is_empty())?;
        Some(requested.iter().map(|(id, stored)| (self.ids.name(*id), fields_of(stored.as_deref()))).collect())
    }

    /// Holds a request from `requester` to `target` until the target confirms; `code` answers
    /// it (`None`: a success, the request held), unless the requester's pending limit is
    /// reached or the two are friends already.
    pub fn hold(
        &mut self,
        requester: &str,
        target: &str,
        fields: Map<String, Value>,
        code: Option<&Code>,
        limits: Limits<'_>,
    ) -> Added {
        if self.has(requester, target) {
            return Added::Already;
        }
        let (r, t) = (self.ids.intern(requester), self.ids.intern(target));
        let requested = self.pending.get(&r);
        if let Some(limit) = &limits.state.pending_per_user
            && let Some(max) = limit.max
            && requested.map_or(0, IndexMap::len) as u64 >= max
            && !requested.is_some_and(|p| p.contains_key(&t))
        {
            return Added::Refused(limit.code.clone());
        }
        self.pending.entry(r).or_default().insert(t, store(&fields));
        code.map_or(Added::New, |code| Added::Refused(code.clone()))
    }

    /// Takes the request `from` sent `to` out of the held ones: its fields, or `None` when
    /// there is none.
    pub fn take_request(&mut self, from: &str, to: &str) -> Option<Map<String, Value>> {
        let (f, t) = (self.id(from)?, self.id(to)?);
        let requested = self.pending.get_mut(&f)?;
        let stored = requested.shift_remove(&t)?;
        if requested.is_empty() {
            self.pending.remove(&f);
        }
        Some(fields_of(stored.as_deref()))
    }

    /// Whether `a`'s friend list holds `b`.
    pub fn has(&self, a: &str, b: &str) -> bool {
        let (Some(a), Some(b)) = (self.id(a), self.id(b)) else { return false };
        self.held.contains(&pair(a, b))
    }

    /// Every registered user, sorted.
    pub fn users(&self) -> Vec<&str> {
        let mut users: Vec<&str> = self.registered.iter().map(|id| self.ids.name(*id)).collect();
        users.sort_unstable();
        users
    }

    /// Removes `target` from `requester`'s friends (and the reverse for `Direction::Both`);
    /// whether the requester held it.
    pub fn remove(&mut self, requester: &str, target: &str, direction: Direction, group_field: Option<&str>) -> bool {
        let (Some(r), Some(t)) = (self.id(requester), self.id(target)) else { return false };
        let held = self.unlink(r, t, group_field);
        if direction == Direction::Both {
            self.unlink(t, r, group_field);
        }
        held
    }

    fn unlink(&mut self, owner: Id, friend: Id, group_field: Option<&str>) -> bool {
        if !self.held.remove(&pair(owner, friend)) {
            return false;
        }
        // Removed in place: the others stay in the order they were added.
        if let Some(order) = self.order.get_mut(&owner)
            && let Some(at) = order.iter().position(|f| *f == friend)
        {
            order.remove(at);
        }
        let stored = self.fields.remove(&pair(owner, friend));
        if let (Some(field), Some(counts)) = (group_field, self.groups.get_mut(&owner)) {
            let fields = fields_of(stored.as_deref());
            let names: HashSet<&str> = group_names(fields.get(field)).into_iter().collect();
            for name in names {
                if let Some(n) = counts.get_mut(name) {
                    *n -= 1;
                    if *n == 0 {
                        counts.remove(name);
                    }
                }
            }
        }
        true
    }

    pub fn count(&self, user: &str) -> usize {
        self.id(user).and_then(|id| self.order.get(&id)).map_or(0, Vec::len)
    }

    /// A user's friends in `range` of the order they were added (clamped to the list), with
    /// their stored fields.
    pub fn friends(&self, user: &str, range: Range<usize>) -> Vec<(&str, Map<String, Value>)> {
        let Some((owner, order)) = self.id(user).and_then(|id| Some((id, self.order.get(&id)?))) else {
            return Vec::new();
        };
        let end = range.end.min(order.len());
        let start = range.start.min(end);
        order[start..end]
            .iter()
            .map(|f| (self.ids.name(*f), fields_of(self.fields.get(&pair(owner, *f)).map(|s| &**s))))
            .collect()
    }

    fn link(&mut self, owner: Id, friend: Id, fields: Stored) {
        if self.held.insert(pair(owner, friend)) {
            self.order.entry(owner).or_default().push(friend);
        }
        if let Some(text) = fields {
            self.fields.insert(pair(owner, friend), text);
        }
    }

    /// Adds `target` to `requester`'s friends (and the reverse for `Direction::Both`), storing
    /// `fields` on the requester's side, within the limits.
    pub fn add(
        &mut self,
        requester: &str,
        target: &str,
        fields: Map<String, Value>,
        direction: Direction,
        limits: Limits<'_>,
    ) -> Added {
        let (r, t) = (self.ids.intern(requester), self.ids.intern(target));
        let holds = |g: &Graph, a: Id, b: Id| g.held.contains(&pair(a, b));
        if holds(self, r, t) {
            if direction == Direction::Both && !holds(self, t, r) {
                self.link(t, r, None);
            }
            return Added::Already;
        }
        if let Some((max, code)) = limits.friends_max()
            && self.count(requester) as u64 >= max
        {
            return Added::Refused(code.clone());
        }
        if direction == Direction::Both
            && !holds(self, t, r)
            && let Some((max, code)) = limits.peer_max()
            && self.count(target) as u64 >= max
        {
            return Added::Refused(code.clone());
        }
        let group_field = limits.state.groups_per_user.as_ref().and_then(|g| g.field);
        if let Some(groups) = &limits.state.groups_per_user
            && let (Some(field), Some(max)) = (groups.field, groups.max)
        {
            let held = self.groups.get(&r);
            let new: HashSet<&str> = group_names(fields.get(field))
                .into_iter()
                .filter(|name| !held.is_some_and(|h| h.contains_key(*name)))
                .collect();
            if (held.map_or(0, HashMap::len) + new.len()) as u64 > max {
                return Added::Refused(groups.code.clone());
            }
        }
        if let Some(field) = group_field {
            let names: HashSet<&str> = group_names(fields.get(field)).into_iter().collect();
            let held = self.groups.entry(r).or_default();
            for name in names {
                *held.entry(name.into()).or_default() += 1;
            }
        }
        self.link(r, t, store(&fields));
        if direction == Direction::Both && !holds(self, t, r) {
            self.link(t, r, None);
        }
        Added::New
    }
}

/// The group names a field holds: one string, or an array of strings.
fn group_names(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_is_kept_once_and_read_back_by_its_number() {
        let mut ids = Ids::default();
        let names = ["", "alice", "bob", "アリス", "alice2"];
        let numbers: Vec<Id> = names.iter().map(|n| ids.intern(n)).collect();
        assert_eq!(numbers, [0, 1, 2, 3, 4]);
        assert_eq!(ids.intern("bob"), 2, "a known id keeps its number");
        for (n, name) in numbers.iter().zip(names) {
            assert_eq!(ids.name(*n), name);
            assert_eq!(ids.get(name), Some(*n));
        }
        assert_eq!(ids.get("carol"), None);
        assert_eq!(ids.text, "alicebobアリスalice2");
    }

    #[test]
    fn a_removed_friend_leaves_the_others_in_the_order_they_were_added() {
        let mut g = Graph::default();
        let state = StateLimits::default();
        let limits = Limits { state: &state, friends_override: None };
        for f in ["a", "b", "c"] {
            let mut fields = Map::new();
            fields.insert("Remark".into(), Value::from(format!("hi {f}")));
            assert_eq!(g.add("r", f, fields, Direction::OneWay, limits), Added::New);
        }
        assert!(g.remove("r", "b", Direction::OneWay, None));
        assert!(!g.remove("r", "b", Direction::OneWay, None), "gone already");
        let listed: Vec<(&str, Value)> =
            g.friends("r", 0..10).into_iter().map(|(id, f)| (id, f["Remark"].clone())).collect();
        assert_eq!(listed, [("a", Value::from("hi a")), ("c", Value::from("hi c"))]);
        assert_eq!(g.friends("r", 1..2).len(), 1);
        assert!(g.friends("nobody", 0..10).is_empty());
    }
}
