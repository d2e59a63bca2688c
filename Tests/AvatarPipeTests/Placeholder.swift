enum AvatarPipeTestsPlaceholder {}
