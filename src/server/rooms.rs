//! Room membership for broadcasts. Rooms are small integers the
//! application hands out (it keeps the names), so joining and leaving move
//! numbers, never strings.

use super::{FastMap, FastSet, SocketHandle};

/// The application's name for a room.
pub type RoomId = u32;

#[derive(Debug, Default)]
pub(super) struct Rooms {
    members: FastMap<RoomId, FastSet<SocketHandle>>,
    of_socket: FastMap<SocketHandle, Vec<RoomId>>,
}

impl Rooms {
    pub(super) fn join(&mut self, socket: SocketHandle, room: RoomId) {
        if self.members.entry(room).or_default().insert(socket) {
            self.of_socket.entry(socket).or_default().push(room);
        }
    }

    pub(super) fn leave(&mut self, socket: SocketHandle, room: RoomId) {
        if let Some(members) = self.members.get_mut(&room) {
            members.remove(&socket);
            if members.is_empty() {
                self.members.remove(&room);
            }
        }
        if let Some(rooms) = self.of_socket.get_mut(&socket) {
            rooms.retain(|&r| r != room);
            if rooms.is_empty() {
                self.of_socket.remove(&socket);
            }
        }
    }

    /// Takes the socket out of every room (it disconnected).
    pub(super) fn leave_all(&mut self, socket: SocketHandle) {
        for room in self.of_socket.remove(&socket).unwrap_or_default() {
            if let Some(members) = self.members.get_mut(&room) {
                members.remove(&socket);
                if members.is_empty() {
                    self.members.remove(&room);
                }
            }
        }
    }

    /// Sockets in any of `rooms` and in none of `except`, each once, in
    /// ascending order (so a broadcast's writes do not depend on hashing).
    pub(super) fn recipients(&self, rooms: &[RoomId], except: &[RoomId]) -> Vec<SocketHandle> {
        let excluded: FastSet<SocketHandle> = except
            .iter()
            .filter_map(|r| self.members.get(r))
            .flatten()
            .copied()
            .collect();
        let mut found: Vec<SocketHandle> = rooms
            .iter()
            .filter_map(|r| self.members.get(r))
            .flatten()
            .copied()
            .filter(|s| !excluded.contains(s))
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Rooms that have members (for the bound tests).
    #[cfg(test)]
    pub(super) fn room_count(&self) -> usize {
        self.members.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn recipients_are_a_union_minus_exceptions_without_duplicates() {
        let mut rooms = Rooms::default();
        for (socket, room) in [(1, 10), (2, 10), (2, 11), (3, 11), (4, 12), (3, 12)] {
            rooms.join(socket, room);
        }
        rooms.join(2, 10);
        assert_eq!(rooms.recipients(&[10, 11], &[]), [1, 2, 3]);
        assert_eq!(rooms.recipients(&[10, 11], &[12]), [1, 2]);
        assert_eq!(rooms.recipients(&[99], &[]), Vec::<SocketHandle>::new());
        rooms.leave(2, 10);
        assert_eq!(rooms.recipients(&[10], &[]), [1]);
        rooms.leave_all(3);
        assert_eq!(rooms.recipients(&[11, 12], &[]), [2, 4]);
        rooms.leave_all(1);
        rooms.leave_all(2);
        rooms.leave_all(4);
        assert_eq!(rooms.room_count(), 0);
        assert!(rooms.of_socket.is_empty());
    }
}
