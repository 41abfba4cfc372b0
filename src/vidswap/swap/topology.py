"""Index sets of the MediaPipe face mesh: triangles, the face outline, eyes and mouth.

MediaPipe publishes the 468-point mesh as edge sets. The triangles are the
3-cliques of the tessellation edges, and each contour is the closed ring its
edges form. Both are derived once at import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from mediapipe.python.solutions import face_mesh_connections as connections

MESH_POINT_COUNT = 468


def _triangles(edges: Iterable[tuple[int, int]]) -> np.ndarray:
    neighbours: dict[int, set[int]] = defaultdict(set)
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)

    found: set[tuple[int, int, int]] = set()
    for a, linked in neighbours.items():
        for b in linked:
            if b <= a:
                continue
            for c in linked & neighbours[b]:
                if c > b:
                    found.add((a, b, c))
    return np.array(sorted(found), dtype=np.int32)


def _ring(edges: Iterable[tuple[int, int]]) -> np.ndarray:
    """Order the edges of one closed contour into a ring of point indices."""
    neighbours: dict[int, list[int]] = defaultdict(list)
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)

    start = min(neighbours)
    ring = [start]
    previous, current = -1, start
    while True:
        following = [n for n in neighbours[current] if n != previous]
        nxt = following[0]
        if nxt == start:
            break
        ring.append(nxt)
        previous, current = current, nxt
    return np.array(ring, dtype=np.int32)


def _inner_ring(edges: frozenset[tuple[int, int]], outer: np.ndarray) -> np.ndarray:
    """Return the inner of two concentric contours in one edge set (the inner lip line)."""
    outer_points = set(outer.tolist())
    inner_edges = [(a, b) for a, b in edges if a not in outer_points and b not in outer_points]
    return _ring(inner_edges)


def _outer_lip_ring(edges: frozenset[tuple[int, int]]) -> np.ndarray:
    # The outer lip line passes through the mouth corners 61 and 291 and point 0
    # (upper lip top); walk the component that contains point 0.
    adjacency: dict[int, set[int]] = defaultdict(set)
    for a, b in edges:
        adjacency[a].add(b)
        adjacency[b].add(a)
    component, stack = set(), [0]
    while stack:
        point = stack.pop()
        if point in component:
            continue
        component.add(point)
        stack.extend(adjacency[point] - component)
    return _ring([(a, b) for a, b in edges if a in component])


TRIANGLES = _triangles(connections.FACEMESH_TESSELATION)
FACE_OVAL = _ring(connections.FACEMESH_FACE_OVAL)
LEFT_EYE = _ring(connections.FACEMESH_LEFT_EYE)
RIGHT_EYE = _ring(connections.FACEMESH_RIGHT_EYE)
OUTER_LIPS = _outer_lip_ring(connections.FACEMESH_LIPS)
INNER_LIPS = _inner_ring(connections.FACEMESH_LIPS, OUTER_LIPS)


def _outline_from_paths(edges: frozenset[tuple[int, int]], outline: list[int]) -> np.ndarray:
    """Check that ``outline`` walks only along ``edges`` (apart from its two joins) and return it."""
    undirected = {frozenset(edge) for edge in edges}
    steps = [frozenset(pair) for pair in zip(outline, outline[1:] + outline[:1], strict=True)]
    joins = [step for step in steps if step not in undirected]
    if len(joins) != 2 or len(steps) - 2 != len(undirected):
        raise RuntimeError(f"eyebrow outline {outline} does not match the mesh's edges")
    return np.array(outline, dtype=np.int32)


# Each eyebrow is two open paths (its lower and upper edge) in MediaPipe's sets.
# The outline runs along the lower edge from the outer end, then back along the upper one.
LEFT_EYEBROW = _outline_from_paths(
    connections.FACEMESH_LEFT_EYEBROW, [276, 283, 282, 295, 285, 336, 296, 334, 293, 300]
)
RIGHT_EYEBROW = _outline_from_paths(
    connections.FACEMESH_RIGHT_EYEBROW, [46, 53, 52, 65, 55, 107, 66, 105, 63, 70]
)

NOSE_TIP = 1
# The highest points of the left and right eyebrow's upper edge.
BROW_TOPS = np.array([334, 105], dtype=np.int32)
BETWEEN_BROWS = 9
CHIN = 152
LEFT_CHEEK = 454
RIGHT_CHEEK = 234


def _orient_consistently(triangles: np.ndarray) -> np.ndarray:
    """Reorder each triangle's vertices so that neighbours share edges in opposite directions.

    With a consistent winding, the sign of a projected triangle's area shows
    whether it faces the camera, which the warp uses to skip hidden triangles.
    """
    oriented = triangles.copy()
    by_edge: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, (a, b, c) in enumerate(triangles):
        for edge in ((a, b), (b, c), (c, a)):
            by_edge[(min(edge), max(edge))].append(index)

    visited = np.zeros(len(triangles), dtype=bool)
    for seed in range(len(triangles)):
        if visited[seed]:
            continue
        visited[seed] = True
        queue = [seed]
        while queue:
            current = queue.pop()
            a, b, c = oriented[current]
            for start, end in ((a, b), (b, c), (c, a)):
                for neighbour in by_edge[(min(start, end), max(start, end))]:
                    if visited[neighbour]:
                        continue
                    if _has_directed_edge(oriented[neighbour], start, end):
                        oriented[neighbour] = oriented[neighbour][::-1]
                    visited[neighbour] = True
                    queue.append(neighbour)
    return oriented


def _has_directed_edge(triangle: np.ndarray, start: int, end: int) -> bool:
    a, b, c = triangle
    return (a, b) == (start, end) or (b, c) == (start, end) or (c, a) == (start, end)


TRIANGLES = _orient_consistently(TRIANGLES)
