resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
  tags       = { Name = "main" }
}

resource "aws_flow_log" "main" {
  vpc_id               = aws_vpc.main.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = aws_s3_bucket.logs.arn
}

resource "aws_vpc" "pilot" {
  cidr_block = "10.30.0.0/16"
  tags       = { Name = "pilot" }
}

resource "aws_security_group" "web" {
  name        = "web"
  description = "web"
  vpc_id      = aws_vpc.main.id
  tags        = { Name = "web" }

  ingress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "admin" {
  name        = "beheer"
  description = "ssh en rdp"
  vpc_id      = aws_vpc.main.id
  tags        = { Name = "beheer" }
  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_vpc_security_group_ingress_rule" "ssh" {
  security_group_id = aws_security_group.admin.id
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_security_group_rule" "rdp" {
  security_group_id = aws_security_group.admin.id
  type              = "ingress"
  protocol          = "tcp"
  from_port         = 3389
  to_port           = 3389
  ipv6_cidr_blocks  = ["::/0"]
}

resource "aws_ebs_volume" "data" {
  availability_zone = "${var.region}a"
  size              = 20
  encrypted         = true
  tags              = { Name = "data" }
}

resource "aws_ebs_volume" "scratch" {
  availability_zone = "${var.region}a"
  size              = 20
  encrypted         = false
  tags              = { Name = "scratch" }
}
