enum avatarpipeTestsPlaceholder {}
