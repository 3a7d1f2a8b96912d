"""The one wiring point: reads settings and builds engines, adapters and stores."""
