// Replace a model version's card (JSON), stamping when and by whom.
MATCH (mv:Node {uid: $uid})
WHERE mv:ModelVersion
SET mv.card_json = $card_json, mv.card_updated_at = $now, mv.card_updated_by = $updated_by
RETURN mv.card_json AS card_json
