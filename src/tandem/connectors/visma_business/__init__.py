"""connectors/visma_business."""
