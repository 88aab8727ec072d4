"""Operations: `/health` (liveness) and `/ready` (readiness, dataset counts)."""
