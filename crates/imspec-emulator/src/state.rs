//! What the service holds: registered users and each user's friends, with every field the
//! request carried.

use std::collections::{HashMap, HashSet};

use imspec_runtime::{Code, Direction, StateLimits};
use serde_json::{Map, Value};

/// One vendor's users and friend lists.
#[derive(Debug, Default)]
pub struct Graph {
    registered: HashSet<String>,
    /// User → friend id → stored fields (insertion order kept).
    friends: HashMap<String, Map<String, Value>>,
    /// Users who confirm each friend request (registered with `confirm`).
    confirming: HashSet<String>,
    /// User → requested friend id → stored fields, awaiting the other side's confirmation.
    pending: HashMap<String, Map<String, Value>>,
    /// User → group name → how many of the user's friends are in it (a counted group limit
    /// is checked in time proportional to the new friend's groups, not to the friend list).
    groups: HashMap<String, HashMap<String, u64>>,
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
    pub fn is_registered(&self, user: &str) -> bool {
        self.registered.contains(user)
    }

    pub fn register(&mut self, user: &str) {
        if !self.registered.contains(user) {
            self.registered.insert(user.to_owned());
        }
    }

    /// Marks a user as confirming every friend request.
    pub fn confirm_requests(&mut self, user: &str) {
        self.confirming.insert(user.to_owned());
    }

    pub fn confirms(&self, user: &str) -> bool {
        self.confirming.contains(user)
    }

    /// A user's requests awaiting confirmation.
    pub fn pending(&self, user: &str) -> Option<&Map<String, Value>> {
        self.pending.get(user).filter(|p| !p.is_empty())
    }

    /// Holds a request from `requester` to `target` until the target confirms; `code` answers
    /// it, unless the requester's pending limit is reached or the two are friends already.
    pub fn hold(
        &mut self,
        requester: &str,
        target: &str,
        fields: Map<String, Value>,
        code: &Code,
        limits: Limits<'_>,
    ) -> Added {
        if self.friends.get(requester).is_some_and(|f| f.contains_key(target)) {
            return Added::Already;
        }
        let held = self.pending.get(requester).map_or(0, Map::len) as u64;
        if let Some(limit) = &limits.state.pending_per_user
            && let Some(max) = limit.max
            && held >= max
            && !self.pending.get(requester).is_some_and(|p| p.contains_key(target))
        {
            return Added::Refused(limit.code.clone());
        }
        self.pending.entry(requester.to_owned()).or_default().insert(target.to_owned(), Value::Object(fields));
        Added::Refused(code.clone())
    }

    /// Whether `a`'s friend list holds `b`.
    pub fn has(&self, a: &str, b: &str) -> bool {
        self.friends.get(a).is_some_and(|f| f.contains_key(b))
    }

    /// Every registered user, sorted.
    pub fn users(&self) -> Vec<&str> {
        let mut users: Vec<&str> = self.registered.iter().map(String::as_str).collect();
        users.sort_unstable();
        users
    }

    /// Removes `target` from `requester`'s friends (and the reverse for `Direction::Both`);
    /// whether the requester held it.
    pub fn remove(&mut self, requester: &str, target: &str, direction: Direction, group_field: Option<&str>) -> bool {
        let held = self.unlink(requester, target, group_field);
        if direction == Direction::Both {
            self.unlink(target, requester, group_field);
        }
        held
    }

    fn unlink(&mut self, owner: &str, friend: &str, group_field: Option<&str>) -> bool {
        // `shift_remove` keeps the others in the order they were added (lists page by it).
        let Some(fields) = self.friends.get_mut(owner).and_then(|f| f.shift_remove(friend)) else { return false };
        if let (Some(field), Some(counts)) = (group_field, self.groups.get_mut(owner)) {
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
        self.friends.get(user).map_or(0, Map::len)
    }

    /// A user's friends and their stored fields, in the order they were added.
    pub fn friends(&self, user: &str) -> Option<&Map<String, Value>> {
        self.friends.get(user)
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
        let has = |g: &Graph, a: &str, b: &str| g.friends.get(a).is_some_and(|f| f.contains_key(b));
        if has(self, requester, target) {
            if direction == Direction::Both && !has(self, target, requester) {
                self.friends
                    .entry(target.to_owned())
                    .or_default()
                    .insert(requester.to_owned(), Value::Object(Map::new()));
            }
            return Added::Already;
        }
        if let Some((max, code)) = limits.friends_max()
            && self.count(requester) as u64 >= max
        {
            return Added::Refused(code.clone());
        }
        if direction == Direction::Both
            && !has(self, target, requester)
            && let Some((max, code)) = limits.peer_max()
            && self.count(target) as u64 >= max
        {
            return Added::Refused(code.clone());
        }
        let group_field = limits.state.groups_per_user.as_ref().and_then(|g| g.field);
        if let Some(groups) = &limits.state.groups_per_user
            && let (Some(field), Some(max)) = (groups.field, groups.max)
        {
            let held = self.groups.get(requester);
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
            let held = self.groups.entry(requester.to_owned()).or_default();
            for name in names {
                *held.entry(name.to_owned()).or_default() += 1;
            }
        }
        self.friends.entry(requester.to_owned()).or_default().insert(target.to_owned(), Value::Object(fields));
        if direction == Direction::Both && !has(self, target, requester) {
            self.friends.entry(target.to_owned()).or_default().insert(requester.to_owned(), Value::Object(Map::new()));
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
