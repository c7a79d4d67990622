"""What customers see, as pure functions of the records, the data and the time: view models, pages, the feed."""
