"""The demo fleet and its lived history: the simulator driven through the real ingestion."""
